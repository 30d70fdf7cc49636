"""``madoguchi demo [--reset] [--payments]``: municipalities, departments, staff and forms for a
demo; with ``--payments`` (``make run``) also a few of Kobe's applications with their fees paid,
refunded and awaiting payment (``demo.payments``). The tests' demo data has none."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.test import override_settings

from madoguchi.demo import inventory, payments, selectors, services
from madoguchi.payments.models import Payment


class Command(BaseCommand):
    help = "Load demo municipalities, staff (with TOTP) and forms. --reset wipes demo data first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="delete all data first")
        parser.add_argument(
            "--payments",
            action="store_true",
            help="also Kobe applications with fees paid, refunded and awaiting payment "
            "(needs the payment simulator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MADOGUCHI_ALLOW_DEMO:
            raise CommandError("demo data is for development only (MADOGUCHI_ALLOW_DEMO is off)")
        if options["payments"] and not settings.MADOGUCHI_PAYSIM_ENABLED:
            raise CommandError("--payments needs the payment simulator (MADOGUCHI_PAYSIM_ENABLED)")
        with transaction.atomic():
            fresh = options["reset"] or not selectors.is_loaded()
            if options["reset"]:
                services.wipe()
            if fresh:
                self._load_all()
            else:
                # The site may have moved (make run PORT=8080): re-point devidp's issuer and
                # the registered redirect URIs, or the card login would go to the old port.
                self._connect_devidp()
                self._load_inventories()  # demo data loaded before the inventory existed
                self.stdout.write("demo data already present (use --reset to reload)")
        if options["payments"] and not Payment.objects.exists():
            self._load_payments()
        if fresh:
            self.stdout.write(
                self.style.SUCCESS(f"demo ready: staff password {services.DEMO_PASSWORD!r}")
            )

    def _load_all(self) -> None:
        for municipality in services.load_tenants():
            self.stdout.write(f"municipality {municipality}")
        self._connect_devidp()
        for version in services.load_forms():
            self.stdout.write(f"form {version}")
        for guide in services.load_guides():
            self.stdout.write(f"guide {guide}")
        for counter in services.load_reservation_counters():
            self.stdout.write(f"reservation counter {counter}")
        self._load_inventories()

    def _load_inventories(self) -> None:
        procedures = inventory.load_inventories()
        for lg_code in sorted({p.municipality.lg_code for p in procedures}):
            count = sum(1 for p in procedures if p.municipality.lg_code == lg_code)
            self.stdout.write(f"procedure inventory {lg_code}: {count} procedures")

    def _load_payments(self) -> None:
        # Sample data: no emails to its fictitious residents, and the simulator's webhooks stay
        # queued (the server is not up yet; `madoguchi paysim_deliver` sends them).
        with (
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
                MADOGUCHI_PAYSIM_DELIVERY="manual",
            ),
            transaction.atomic(),
        ):
            loaded = payments.load_payments()
        for payment in loaded:
            self.stdout.write(
                f"payment {payment.submission.receipt_number} {payment.amount} yen {payment.status}"
            )

    def _connect_devidp(self) -> None:
        if not settings.MADOGUCHI_DEVIDP_ENABLED:
            return
        site = settings.MADOGUCHI_SITE_URL
        idp = settings.MADOGUCHI_DEVIDP_URL or site
        services.connect_demo_identity_providers(site, idp_url=idp)
        self.stdout.write(f"identity provider: devidp at {idp}/devidp/, callback at {site}")
