"""``madoguchi lgwan_sync [--source NAME] [--every SECONDS]``: the LGWAN node's pull and push.

Run it from a timer (systemd, cron) or let it loop with ``--every 30``. Each run pulls new
and changed applications from every source in ``MADOGUCHI_PULL_SOURCES`` and sends back
the status changes made here; an error is recorded on its source and retried next run.
Exit status 1 when a source failed (the timer's log shows which, with ids only).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from madoguchi.integrations import node, pull


class Command(BaseCommand):
    help = "Pull applications from the internet node(s) and push status changes back (LGWAN node)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", help="only the source of this name")
        parser.add_argument(
            "--every",
            type=int,
            metavar="SECONDS",
            help="run again every SECONDS until stopped (instead of once)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not node.is_lgwan():
            raise CommandError(
                "lgwan_sync runs on the LGWAN node only: set MADOGUCHI_NODE_ROLE=lgwan and "
                "MADOGUCHI_PULL_SOURCES (docs/deploy.md)"
            )
        every = options["every"]
        if every is not None and every < 1:
            raise CommandError("--every takes a number of seconds, at least 1")
        while True:
            failed = self._run_once(options["source"])
            if every is None:
                if failed:
                    raise CommandError("some sources failed; see above", returncode=1)
                return
            close_old_connections()
            time.sleep(every)

    def _run_once(self, only: str | None) -> bool:
        reports = pull.sync_all(only=only)
        if only is not None and not reports:
            raise CommandError(f"no pull source is named {only!r} in MADOGUCHI_PULL_SOURCES")
        failed = False
        for report in reports:
            line = (
                f"{report.source}: {report.pulled} new, {report.updated} updated, "
                f"{report.pushed} status changes sent"
            )
            if report.error:
                failed = True
                self.stderr.write(f"{line}; error: {report.error}")
            else:
                self.stdout.write(line)
        return failed
