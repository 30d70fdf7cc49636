"""``madoguchi reconcile_report``: the treasury's reconciliation file for a day, from a shell.

The same file as the page's download (exports.payment_services), for the whole city, made
by the operator (for a scheduled drop to the treasury's system); recorded as EXPORTED with
the actor ``operator``. Prints where it wrote the file and the day's totals.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.exports import payment_services
from madoguchi.exports.payment_selectors import MAX_DAYS, Period
from madoguchi.tenants.models import Municipality


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = (
        "Write the reconciliation file of a city's payments and refunds for a day "
        "(or --date to --to), as the treasury's page downloads it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="the (first) day, YYYY-MM-DD, Japan time")
        parser.add_argument("--to", help="the last day (default: --date)")
        parser.add_argument(
            "--municipality",
            required=True,
            help="the local government code (6 digits, e.g. 281000)",
        )
        parser.add_argument(
            "--format", choices=payment_services.FORMATS, default="csv", dest="file_format"
        )
        parser.add_argument("--encoding", choices=("utf-8-sig", "cp932"), default="utf-8-sig")
        parser.add_argument("--output", help="file or directory (default: the current directory)")

    def handle(self, *args: Any, **options: Any) -> None:
        first = _day(options["date"])
        last = _day(options["to"]) if options["to"] else first
        if first > last or Period(first, last).days > MAX_DAYS:
            raise CommandError(f"the period must run forward and cover at most {MAX_DAYS} days")
        try:
            municipality = Municipality.objects.get(lg_code=options["municipality"])
        except Municipality.DoesNotExist as error:
            raise CommandError(f"no municipality {options['municipality']}") from error
        period = Period(first, last)
        try:
            export = payment_services.export_city_payments(
                municipality=municipality,
                period=period,
                file_format=options["file_format"],
                encoding=options["encoding"],
            )
        except payment_services.PaymentsExportUnencodable as refused:
            raise CommandError(str(refused.message)) from refused
        target = Path(options["output"] or ".")
        if target.is_dir():
            target = target / export.file_name
        target.write_bytes(export.content)
        totals = export.total
        self.stdout.write(
            f"{target}: {export.rows} rows, gross {totals.gross}, fee {totals.fee}, "
            f"net {totals.net}, sha256 {export.sha256}"
        )
