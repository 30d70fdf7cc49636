"""``madoguchi deliver_webhooks``: send the webhook deliveries that are due (for a timer).

New deliveries are sent by a task as soon as their change commits; retries wait for their
time, so run this every minute (a systemd timer or cron), or with ``--loop`` as a service.
Several may run at once: each delivery is claimed by one of them.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.integrations import webhooks


class Command(BaseCommand):
    help = "Send the signed webhook deliveries that are due (retries included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="at most this many per run")
        parser.add_argument(
            "--loop", type=float, default=0, metavar="SECONDS", help="run again every SECONDS"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = webhooks.deliver_due(limit=options["limit"])
            if options["verbosity"] > 0:
                self.stdout.write(f"webhook attempts: {sent}")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
