"""What a city publishes (公開ページとオープンデータ): the coverage rate, its trend, every
procedure with its channels and counts, as the public page and as CSV and JSON (CC BY 4.0).

The page and the files are made from one :class:`Publication`, so they cannot disagree.
Figures are counts only (no personal data): the receipts of complete months, Madoguchi's
own counted live and the others as entered (``coverage.volume_rows``).

The files follow the Digital Agency's 自治体標準オープンデータセット conventions: Japanese
column names, 全国地方公共団体コード, ID (the stable procedure ID) and 地方公共団体名 first
(the order of the standard datasets), dates in ISO 8601 (年月 as ``YYYY-MM``), CSV in
UTF-8 with a BOM and CRLF line ends, one header row. Labels in the files are Japanese
whatever the reader's language (the data's language is fixed); codes sit beside them.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from madoguchi.core.spreadsheet import CsvWriter
from madoguchi.tenants.models import Municipality

from . import coverage
from .channels import VolumeChannel
from .models import CoverageTarget, Procedure

__all__ = [
    "COVERAGE_COLUMNS",
    "LICENSE",
    "LICENSE_URL",
    "PROCEDURE_COLUMNS",
    "Publication",
    "coverage_records",
    "csv_bytes",
    "json_document",
    "procedure_records",
    "publication",
]

LICENSE = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
# The rate and the per-procedure counts cover the last 12 complete months; the trend 18.
WINDOW_MONTHS = 12
TREND_MONTHS = 18

ONLINE = frozenset({VolumeChannel.ONLINE, VolumeChannel.NATIONAL})

# The files' fixed Japanese names and labels are data (opendata_format.json), whatever the
# reader's language.
FORMAT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "opendata_format.json").read_text(encoding="utf-8")
)
OFFERED_LABELS: dict[str, str] = FORMAT["offered"]
VOLUME_LABELS: dict[str, str] = FORMAT["volume"]
APPLICANT_LABELS: dict[str, str] = FORMAT["applicant"]
SEAL_LABELS: dict[str, str] = FORMAT["seal_review"]
META: dict[str, str] = FORMAT["meta"]

PROCEDURE_COLUMNS: tuple[str, ...] = tuple(FORMAT["procedure_columns"])
COVERAGE_COLUMNS: tuple[str, ...] = (
    *FORMAT["coverage_columns_head"],
    *(FORMAT["coverage_channel_column"].format(label=VOLUME_LABELS[c]) for c in VolumeChannel),
    *FORMAT["coverage_columns_tail"],
)


@dataclass(frozen=True)
class ProcedureFigures:
    procedure: Procedure
    total: int
    online: int
    smart: int
    percent: Decimal | None


@dataclass(frozen=True)
class Publication:
    municipality: Municipality
    first: date  # the window's first month (the 1st)
    trend_first: date  # the trend's first month
    last: date  # its last month (the 1st)
    rate: coverage.Rate  # of the target procedures over the window
    series: list[coverage.MonthRate]  # the trend, oldest first
    by_channel: dict[date, dict[str, int]]  # target receipts per month and channel
    procedures: list[ProcedureFigures]
    target: CoverageTarget | None

    @property
    def period_end(self) -> date:
        """The window's last day."""
        return coverage.add_months(self.last, 1) - timedelta(days=1)

    @property
    def target_procedures(self) -> list[ProcedureFigures]:
        return [f for f in self.procedures if f.procedure.target]

    @property
    def excluded_procedures(self) -> list[ProcedureFigures]:
        return [f for f in self.procedures if not f.procedure.target]


def publication(municipality: Municipality, *, today: date | None = None) -> Publication:
    """Everything the city publishes, as of ``today``: complete months only (paper volumes
    are entered after a month ends)."""
    last = coverage.add_months(coverage.month_of(today or timezone.localdate()), -1)
    first = coverage.add_months(last, -(WINDOW_MONTHS - 1))
    trend_first = coverage.add_months(last, -(TREND_MONTHS - 1))
    procedures = list(
        Procedure.objects.filter(municipality=municipality)
        .select_related("department", "form")
        .order_by("procedure_id")
    )
    rows = coverage.volume_rows(municipality, trend_first, last, procedures=procedures)
    window = [row for row in rows if row.month >= first]
    by_channel: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row.target:
            by_channel[row.month][row.channel] += row.count
    per_procedure: dict[int, list[coverage.VolumeRow]] = defaultdict(list)
    for row in window:
        per_procedure[row.procedure_pk].append(row)
    figures = []
    for procedure in procedures:
        own = per_procedure[procedure.pk]
        rate = coverage.rate(own, targets_only=False)
        figures.append(
            ProcedureFigures(
                procedure=procedure,
                total=rate.total,
                online=sum(r.count for r in own if r.channel in ONLINE),
                smart=rate.smart,
                percent=rate.percent,
            )
        )
    return Publication(
        municipality=municipality,
        first=first,
        trend_first=trend_first,
        last=last,
        rate=coverage.rate(window),
        series=coverage.series(rows, trend_first, last),
        by_channel={month: dict(counts) for month, counts in by_channel.items()},
        procedures=figures,
        target=coverage.target_of(municipality),
    )


def _word(kind: str, value: bool) -> str:
    words: dict[str, str] = FORMAT[kind]
    return words["true" if value else "false"]


def procedure_records(publication: Publication, *, online_url: Any = None) -> list[dict[str, Any]]:
    """One record per procedure, target and excluded, keyed by ``PROCEDURE_COLUMNS``.

    ``online_url(procedure)`` gives the address of its Madoguchi form (the view knows it)."""
    municipality = publication.municipality
    records = []
    for figures in publication.procedures:
        procedure = figures.procedure
        values = (
            municipality.lg_code,
            procedure.procedure_id,
            municipality.name,
            procedure.name,
            procedure.name_en,
            procedure.category,
            procedure.department.name,
            procedure.legal_basis,
            _word("target", procedure.target),
            "" if procedure.target else procedure.exclusion_reason,
            APPLICANT_LABELS.get(procedure.applicant, procedure.applicant),
            _word("required", procedure.identity_check_required),
            _word("required", procedure.signature_required),
            _word("required", procedure.seal_required),
            SEAL_LABELS.get(procedure.seal_review, procedure.seal_review),
            ";".join(OFFERED_LABELS.get(c, c) for c in procedure.channels),
            ";".join(procedure.channels),
            online_url(procedure) if online_url and procedure.form else "",
            procedure.annual_volume,
            procedure.processing_days,
            publication.first.isoformat(),
            publication.period_end.isoformat(),
            figures.total,
            figures.online,
            figures.smart,
            figures.percent,
        )
        records.append(dict(zip(PROCEDURE_COLUMNS, values, strict=True)))
    return records


def coverage_records(publication: Publication) -> list[dict[str, Any]]:
    """One record per month of the trend, keyed by ``COVERAGE_COLUMNS``."""
    municipality = publication.municipality
    target = publication.target
    records = []
    for month_rate in publication.series:
        channels = publication.by_channel.get(month_rate.month, {})
        values = (
            municipality.lg_code,
            municipality.name,
            f"{month_rate.month:%Y-%m}",
            month_rate.rate.total,
            month_rate.rate.smart,
            month_rate.rate.percent,
            *(channels.get(channel, 0) for channel in VolumeChannel),
            target.target_percent if target else None,
            target.deadline.isoformat() if target else "",
        )
        records.append(dict(zip(COVERAGE_COLUMNS, values, strict=True)))
    return records


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def csv_bytes(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM, CRLF, every field as text ("" for none). Like every CSV Madoguchi
    writes, a cell a spreadsheet would run as a formula gets the guard's apostrophe: open
    data is opened in Excel by anyone, and names come from staff-filled hearing sheets. The
    JSON files carry the values unaltered."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record[c]) for c in columns])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def json_document(
    publication: Publication,
    *,
    dataset: str,
    columns: Sequence[str],
    records: list[dict[str, Any]],
    start: date,
) -> dict[str, Any]:
    """The JSON file: what it is, its license and period, then the same records as the CSV
    (numbers as numbers, none as null)."""

    def value(v: Any) -> Any:
        return float(v) if isinstance(v, Decimal) else v

    municipality = publication.municipality
    return {
        "dataset": dataset,
        META["lg_code"]: municipality.lg_code,
        META["name"]: municipality.name,
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "attribution": municipality.name,
        META["start"]: start.isoformat(),
        META["end"]: publication.period_end.isoformat(),
        META["created"]: timezone.localdate().isoformat(),
        "columns": list(columns),
        "records": [{c: value(r[c]) for c in columns} for r in records],
    }
