"""``madoguchi purge``: delete expired drafts, unsent correction files and orphaned files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from madoguchi.submissions import retention


class Command(BaseCommand):
    help = (
        "Delete drafts past their resume link's expiry with their files, files sent for "
        "corrections that expired unsent, and stored files no attachment refers to "
        "(older than MADOGUCHI_ORPHAN_FILE_HOURS). Run it from a timer (docs/deploy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention.purge(dry_run=options["dry_run"])
        prefix = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(f"{prefix}: {report}")
