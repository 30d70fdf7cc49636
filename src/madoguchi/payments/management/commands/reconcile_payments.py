"""Ask the provider about pending payments (lost or late webhooks); run from cron, every
few minutes. Idempotent: each change is applied once under the payment's row lock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.payments import services


class Command(BaseCommand):
    help = (
        "Poll the payment provider for pending payments older than --minutes, expire lapsed "
        "checkouts and finish refunds in progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=10, help="poll payments older than")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = services.reconcile_pending(older_than=timedelta(minutes=options["minutes"]))
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
