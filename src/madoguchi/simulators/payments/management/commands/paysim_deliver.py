"""``madoguchi paysim_deliver``: send the payment simulator's queued and held webhooks now.

For the demo: a late webhook (test card 4000 0000 0000 0077) waits until this runs, so the
app's reconciliation by polling can be shown first. Also expires sessions past their time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.simulators.payments import services, webhooks


class Command(BaseCommand):
    help = "Send the payment simulator's pending and held (late) webhooks once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pending-only", action="store_true", help="leave the held (late) webhooks held"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        services.sweep()
        sent = webhooks.deliver_pending(held=not options["pending_only"])
        for item in sent:
            outcome = item.status if item.status is not None else item.error
            self.stdout.write(f"{item.event_id} {item.type} → {item.url} {outcome}")
        self.stdout.write(f"{len(sent)} webhook(s) sent")
