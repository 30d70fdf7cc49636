"""``madoguchi file_drop``: write the new applications of every enabled file drop (a timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.integrations import filedrop


class Command(BaseCommand):
    help = (
        "Write new applications of each enabled file drop as a batch (CSV/XLSX, attachments "
        "ZIP, manifest.json, SHA256SUMS, .done) into its directory or bucket. Exits 1 when a "
        "drop failed; its applications are retried by the next run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--drop", type=int, help="only this drop (its id)")
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what each drop would write"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        results = filedrop.run_drops(drop_id=options["drop"], dry_run=options["dry_run"])
        failed = 0
        for result in results:
            drop = result.drop
            name = f"drop {drop.pk} ({drop.municipality.lg_code}/{drop.form.slug})"
            if result.dry_run:
                self.stdout.write(
                    f"{name}: would write {result.count} application(s); "
                    f"{result.sealed} sealed left for the LGWAN node"
                )
            elif result.busy:
                self.stdout.write(f"{name}: another run is in progress, skipped")
            elif result.error:
                failed += 1
                self.stderr.write(f"{name}: failed: {result.error}")
            elif result.run is not None:
                self.stdout.write(
                    f"{name}: {result.count} application(s) in {result.run.batch or '-'}; "
                    f"{result.sealed} sealed left for the LGWAN node"
                )
        if failed:
            raise CommandError(f"{failed} drop run(s) failed", returncode=1)
