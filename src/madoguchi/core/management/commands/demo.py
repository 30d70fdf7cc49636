"""``madoguchi demo [--reset]``: municipalities, departments, staff and forms for a demo."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.forms import services as form_services
from madoguchi.forms.models import Form, FormVersion
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import Assurance, IdentityProvider
from madoguchi.submissions.models import Attachment, Draft, ReceiptCounter, Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember

DEMO_DIR = Path(__file__).resolve().parents[3] / "demo"
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
    from madoguchi.devidp import services as devidp_services

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


class Command(BaseCommand):
    help = "Load demo municipalities, staff (with TOTP) and forms. --reset wipes demo data first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="delete all data first")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MADOGUCHI_ALLOW_DEMO:
            raise CommandError("demo data is for development only (MADOGUCHI_ALLOW_DEMO is off)")
        with transaction.atomic():
            if options["reset"]:
                self._wipe()
            elif Municipality.objects.exists():
                # The site may have moved (make run PORT=8080): re-point devidp's issuer and
                # the registered redirect URIs, or the card login would go to the old port.
                self._connect_devidp()
                self.stdout.write("demo data already present (use --reset to reload)")
                return
            self._load_tenants()
            self._connect_devidp()
            for path in sorted((DEMO_DIR / "forms").glob("*.yaml")):
                version = form_services.import_form(form_services.load_form_file(path))
                self.stdout.write(f"form {version}")
        self.stdout.write(self.style.SUCCESS(f"demo ready: staff password {DEMO_PASSWORD!r}"))

    def _connect_devidp(self) -> None:
        if not settings.MADOGUCHI_DEVIDP_ENABLED:
            return
        site = settings.MADOGUCHI_SITE_URL
        idp = settings.MADOGUCHI_DEVIDP_URL or site
        connect_demo_identity_providers(site, idp_url=idp)
        self.stdout.write(f"identity provider: devidp at {idp}/devidp/, callback at {site}")

    def _wipe(self) -> None:
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

    def _load_tenants(self) -> None:
        data = yaml.safe_load((DEMO_DIR / "tenants.yaml").read_text(encoding="utf-8"))
        User = get_user_model()
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
            self.stdout.write(f"municipality {municipality}")
