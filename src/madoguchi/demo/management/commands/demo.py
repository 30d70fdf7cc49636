"""``madoguchi demo [--reset]``: municipalities, departments, staff and forms for a demo."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from madoguchi.demo import selectors, services


class Command(BaseCommand):
    help = "Load demo municipalities, staff (with TOTP) and forms. --reset wipes demo data first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="delete all data first")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MADOGUCHI_ALLOW_DEMO:
            raise CommandError("demo data is for development only (MADOGUCHI_ALLOW_DEMO is off)")
        with transaction.atomic():
            if options["reset"]:
                services.wipe()
            elif selectors.is_loaded():
                # The site may have moved (make run PORT=8080): re-point devidp's issuer and
                # the registered redirect URIs, or the card login would go to the old port.
                self._connect_devidp()
                self.stdout.write("demo data already present (use --reset to reload)")
                return
            for municipality in services.load_tenants():
                self.stdout.write(f"municipality {municipality}")
            self._connect_devidp()
            for version in services.load_forms():
                self.stdout.write(f"form {version}")
            for guide in services.load_guides():
                self.stdout.write(f"guide {guide}")
            for counter in services.load_reservation_counters():
                self.stdout.write(f"reservation counter {counter}")
        self.stdout.write(
            self.style.SUCCESS(f"demo ready: staff password {services.DEMO_PASSWORD!r}")
        )

    def _connect_devidp(self) -> None:
        if not settings.MADOGUCHI_DEVIDP_ENABLED:
            return
        site = settings.MADOGUCHI_SITE_URL
        idp = settings.MADOGUCHI_DEVIDP_URL or site
        services.connect_demo_identity_providers(site, idp_url=idp)
        self.stdout.write(f"identity provider: devidp at {idp}/devidp/, callback at {site}")
