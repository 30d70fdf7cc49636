"""``madoguchi expire_counter``: expire counter pre-registrations nobody brought in time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.counter import services


class Command(BaseCommand):
    help = (
        "Expire counter pre-registrations still waiting MADOGUCHI_COUNTER_DAYS after they "
        "were made (COUNTER_EXPIRED each; their answers are deleted). Run it from the same "
        "timer as `madoguchi purge` (docs/deploy.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"expired counter pre-registrations: {services.expire_overdue()}")
