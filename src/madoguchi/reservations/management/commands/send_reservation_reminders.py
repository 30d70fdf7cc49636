"""Send the day-before visit reminders; run it from cron (e.g. hourly). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from madoguchi.reservations import notify


class Command(BaseCommand):
    help = "Email tomorrow's visitors a reminder (each booking at most once)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notify.send_reminders()
        self.stdout.write(f"{sent} reminder(s) sent")
