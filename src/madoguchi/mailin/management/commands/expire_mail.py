"""``madoguchi expire_mail``: expire mail-in applications whose paper did not arrive in time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.mailin import services


class Command(BaseCommand):
    help = (
        "Expire mail-in applications still awaiting their paper MADOGUCHI_MAIL_DAYS after "
        "they were prepared (MAIL_EXPIRED each; their answers are emptied). Run it from the "
        "same timer as `madoguchi purge` (docs/deploy.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"expired mail-in applications: {services.expire_overdue()}")
