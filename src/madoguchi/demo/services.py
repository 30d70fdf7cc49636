"""Writes of the demo: load and wipe its municipalities, staff and forms, connect its cities
to the identity simulator.

Demo staff share one documented password (:data:`DEMO_PASSWORD`) and have a TOTP secret
derived from their user name (:func:`demo_totp_key`), so the README and the browser tests
can log in; that is why none of this may run outside development and tests (``apps``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from django.apps import apps
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.counter.models import Preregistration, Visit
from madoguchi.demo import inventory
from madoguchi.forms import services as form_services
from madoguchi.forms.models import Form, FormVersion
from madoguchi.guide import services as guide_services
from madoguchi.guide.models import Guide
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import Assurance, IdentityProvider
from madoguchi.integrations import models as integrations
from madoguchi.mailin.models import MailApplication
from madoguchi.payments.models import Payment, WebhookEvent
from madoguchi.payments.models import ReceiptCounter as PaymentReceiptCounter
from madoguchi.reservations.models import Booking, Counter, OpeningHours
from madoguchi.submissions.models import Attachment, Draft, ReceiptCounter, Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember

__all__ = [
    "DEMO_DIR",
    "DEMO_PASSWORD",
    "connect_demo_identity_providers",
    "demo_totp_key",
    "load_forms",
    "load_reservation_counters",
    "load_tenants",
    "wipe",
]

DEMO_DIR = Path(__file__).resolve().parent
DEMO_PASSWORD = "madoguchi-demo-2026"  # noqa: S105 - documented demo credential


def demo_totp_key(username: str) -> str:
    """A fixed TOTP secret per demo user (hex), so README and tests can compute codes."""
    return hashlib.sha256(f"madoguchi-demo-totp:{username}".encode()).hexdigest()[:40]


def connect_demo_identity_providers(site_url: str, *, idp_url: str = "") -> list[IdentityProvider]:
    """Give every demo municipality the Digital Authentication App, served by devidp.

    Each city gets its own client id and signing key, registered with the simulator the
    way a city registers with the real service (public JWK and redirect URI). ``idp_url``
    is where devidp is reached (default: ``site_url``); another origin than the site, as
    the real service always is, makes the demo and the browser tests cross origins.
    Calling it again re-points issuer and redirect URIs (the site moved to another port).
    """
    # Imported here: the simulator's models exist only where the simulator is installed.
    from madoguchi.simulators.idp import services as devidp_services

    site = site_url.rstrip("/")
    idp = (idp_url or site_url).rstrip("/")
    providers = []
    for municipality in Municipality.objects.all():
        client_id = f"RP{municipality.lg_code}"
        provider, _created = IdentityProvider.objects.update_or_create(
            municipality=municipality,
            key="digital-auth-app",
            defaults={
                "kind": "digital_auth_app",
                "name": "デジタル認証アプリ",
                "name_en": "Digital Authentication App",
                "assurance": Assurance.MYNUMBER_CARD,
                "issuer": f"{idp}/devidp/api/realms/main",
                "client_id": client_id,
                "scopes": "openid name address birthdate gender",
                "acr_values": "aal3 crl",
            },
        )
        if not provider.client_private_jwk:
            provider.client_private_jwk = identity_services.new_client_key(f"{client_id}-1")
            provider.save(update_fields=["client_private_jwk"])
        # Both loopback spellings, so the demo works however the browser opened it.
        redirect_uris = {f"{site}/identity/callback/"}
        if "://127.0.0.1" in site:
            redirect_uris.add(f"{site.replace('://127.0.0.1', '://localhost')}/identity/callback/")
        devidp_services.register_relying_party(
            client_id=client_id,
            name=municipality.name,
            redirect_uris=sorted(redirect_uris),
            jwks=identity_services.public_jwks([provider]),
        )
        providers.append(provider)
    return providers


def wipe() -> None:
    """Delete every municipality, form, submission and non-superuser account."""
    inventory.wipe_inventories()  # the procedures protect their departments and forms
    # The channels' rows protect the form versions and submissions they point to: first.
    Booking.objects.all().delete()
    Counter.objects.all().delete()  # with their hours, closures and blocked slots
    Visit.objects.all().delete()  # with their applications and the clerk's edits
    Preregistration.objects.all().delete()
    MailApplication.objects.all().delete()
    WebhookEvent.objects.all().delete()
    Payment.objects.all().delete()
    PaymentReceiptCounter.objects.all().delete()
    _wipe_payment_simulator()
    # Back-office integration: its rows protect cities, departments and pull sources.
    for model in (
        integrations.WebhookEndpoint,  # with its deliveries and their log
        integrations.FeedEntry,
        integrations.SystemClient,  # with its secrets, tokens, acknowledgements, status updates
        integrations.EncryptionKey,
        integrations.EncryptionPolicy,
        integrations.FileDrop,  # with its runs and items
        integrations.MirroredSubmission,
        integrations.PullSource,
    ):
        model.objects.all().delete()
    Attachment.objects.all().delete()
    Draft.objects.all().delete()
    Submission.objects.all().delete()
    ReceiptCounter.objects.all().delete()
    Form.objects.update(current_version=None)
    IdentityProvider.objects.all().delete()
    FormVersion.objects.all().delete()
    Form.objects.all().delete()
    StaffMember.objects.all().delete()
    TOTPDevice.objects.all().delete()
    get_user_model().objects.filter(is_superuser=False).delete()
    Department.objects.all().delete()
    Municipality.objects.all().delete()


def _wipe_payment_simulator() -> None:
    """What the payment simulator keeps (Stripe's side of the payments just deleted)."""
    if not apps.is_installed("madoguchi.simulators.payments"):
        return
    from madoguchi.simulators.payments.models import Delivery, IdempotentRequest, StoredObject

    Delivery.objects.all().delete()
    IdempotentRequest.objects.all().delete()
    StoredObject.objects.all().delete()


def load_tenants() -> list[Municipality]:
    """The municipalities of ``tenants.yaml`` with their departments and staff (with TOTP)."""
    data = yaml.safe_load((DEMO_DIR / "tenants.yaml").read_text(encoding="utf-8"))
    User = get_user_model()
    loaded = []
    for entry in data["municipalities"]:
        municipality = Municipality(
            lg_code=entry["lg_code"],
            name=entry["name"],
            name_en=entry["name_en"],
            prefecture=entry["prefecture"],
        )
        municipality.full_clean()
        municipality.save()
        departments = {
            d["code"]: Department.objects.create(municipality=municipality, **d)
            for d in entry["departments"]
        }
        for person in entry["staff"]:
            user = User.objects.create_user(
                username=person["username"],
                password=DEMO_PASSWORD,
                last_name=person["last_name"],
                first_name=person["first_name"],
            )
            staff = StaffMember.objects.create(
                user=user, municipality=municipality, role=person["role"]
            )
            staff.departments.set([departments[c] for c in person["departments"]])
            TOTPDevice.objects.create(
                user=user, name="demo", confirmed=True, key=demo_totp_key(person["username"])
            )
        loaded.append(municipality)
    return loaded


def load_forms() -> list[FormVersion]:
    """Import and publish every ``forms/*.yaml``, in file name order."""
    return [
        form_services.import_form(form_services.load_form_file(path))
        for path in sorted((DEMO_DIR / "forms").glob("*.yaml"))
    ]


def load_guides() -> list[Guide]:
    """Publish every ``guides/<lg_code>-<slug>.yaml`` for its municipality (手続きガイド)."""
    return [
        guide_services.load_guide_file(
            path, municipality=Municipality.objects.get(lg_code=path.stem.split("-", 1)[0])
        )
        for path in sorted((DEMO_DIR / "guides").glob("*.yaml"))
    ]


def load_reservation_counters() -> list[Counter]:
    """The counters of ``reservations.yaml``, open for booking a visit (来庁予約)."""
    data = yaml.safe_load((DEMO_DIR / "reservations.yaml").read_text(encoding="utf-8"))
    loaded = []
    for entry in data["counters"]:
        counter = Counter.objects.create(
            department=Department.objects.get(
                municipality__lg_code=entry["lg_code"], code=entry["department"]
            ),
            name=entry["name"],
            capacity=entry["capacity"],
            slot_minutes=entry["slot_minutes"],
            horizon_days=entry["horizon_days"],
            cutoff_hours=entry["cutoff_hours"],
        )
        for weekday, span in entry["hours"].items():
            opens, closes = span.split("-")
            OpeningHours.objects.create(
                counter=counter, weekday=int(weekday), opens=opens, closes=closes
            )
        loaded.append(counter)
    return loaded
