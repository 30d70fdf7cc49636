"""The treasury's reconciliation export (消込) as a file, recorded in the ledger.

Three files from the same movements (:mod:`.payment_selectors`): the itemized rows (明細,
CSV), the totals (集計, CSV), or both as sheets of one workbook (XLSX). The file is made
in memory (a city's year of payments is a few megabytes), with Japanese procedure and
department names whatever the language of the page, and exactly one EXPORTED event
is recorded before it is handed out: actor the staff pseudonym, subject
``payments_export:<id>``, detail the city, the period, the procedure filter, the number
of rows, format, encoding and the file's SHA-256. No receipt number, name or amount goes
into the ledger.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.tenants.models import Municipality, StaffMember

from . import writers
from .payment_selectors import (
    Movement,
    Period,
    Summary,
    Totals,
    city_movements,
    may_export_payments,
    summarize,
)
from .payment_selectors import movements as read_movements
from .services import ExportNotAllowed

PaymentFormat = Literal["csv", "summary_csv", "xlsx"]
FORMATS: tuple[PaymentFormat, ...] = ("csv", "summary_csv", "xlsx")

# The itemized rows: one per money movement.
HEADER = [
    "領収書番号",
    "受付番号",
    "手続",
    "担当課",
    "金額",
    "手数料(決済)",
    "入金額",
    "決済方法",
    "決済事業者参照",
    "支払日時",
    "返金日時",
    "区分",
]
# The totals: one table, its first column says which grouping a line belongs to.
SUMMARY_HEADER = [
    "集計",
    "項目",
    "担当課",
    "件数",
    "入金件数",
    "返金件数",
    "金額",
    "手数料(決済)",
    "入金額",
]
SECTION_CATEGORY = "区分別"  # per reporting_category, as the provider's report
SECTION_TOTAL = "合計"
SECTION_DAY = "日別"
SECTION_PROCEDURE = "手続別"
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PaymentsExportUnencodable(Refused):
    """A procedure or department name holds characters CP932 cannot write."""

    code = "payments_export_unencodable"
    default_message = gettext_lazy(
        "Some procedure or department names hold characters that CP932 cannot write. Choose UTF-8."
    )


@dataclass(frozen=True)
class PaymentExport:
    content: bytes
    file_name: str
    content_type: str
    sha256: str
    rows: int
    total: Totals


def export_payments(
    *,
    staff: StaffMember,
    period: Period,
    form_id: int | None = None,
    file_format: PaymentFormat = "csv",
    encoding: writers.Encoding = "utf-8-sig",
) -> PaymentExport:
    """The period's movements as a file; records EXPORTED. Raises ExportNotAllowed for
    staff who may not see the whole city's money, PaymentsExportUnencodable in CP932."""
    if not may_export_payments(staff):
        raise ExportNotAllowed
    # The file is for the treasury's systems: Japanese names whatever the page's language.
    with translation.override("ja"):
        found = read_movements(staff, period=period, form_id=form_id)
    return _export(
        found,
        actor=events.pseudonym("staff", staff.pk),
        municipality=staff.municipality,
        period=period,
        form_id=form_id,
        file_format=file_format,
        encoding=encoding,
    )


def export_city_payments(
    *,
    municipality: Municipality,
    period: Period,
    form_id: int | None = None,
    file_format: PaymentFormat = "csv",
    encoding: writers.Encoding = "utf-8-sig",
) -> PaymentExport:
    """The same file for a whole city, made by the operator (``madoguchi reconcile_report``)."""
    with translation.override("ja"):
        found = city_movements(municipality, period=period, form_id=form_id)
    return _export(
        found,
        actor="operator",
        municipality=municipality,
        period=period,
        form_id=form_id,
        file_format=file_format,
        encoding=encoding,
    )


def _export(
    found: list[Movement],
    *,
    actor: str,
    municipality: Municipality,
    period: Period,
    form_id: int | None,
    file_format: PaymentFormat,
    encoding: writers.Encoding,
) -> PaymentExport:
    summary = summarize(found)
    if file_format == "xlsx":
        encoding = "utf-8-sig"
        content = _xlsx(found, summary)
    elif file_format == "summary_csv":
        content = _csv(SUMMARY_HEADER, summary_rows(summary, typed=False), encoding)
    else:
        content = _csv(HEADER, movement_rows(found, typed=False), encoding)
    sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        events.record(
            events.Event.EXPORTED,
            actor=actor,
            subject=f"payments_export:{uuid.uuid4()}",
            detail={
                "kind": "payments",
                "municipality": municipality.lg_code,
                "from": period.first.isoformat(),
                "to": period.last.isoformat(),
                "form": str(form_id) if form_id is not None else "",
                "rows": str(len(found)),
                "format": file_format,
                "encoding": encoding,
                "sha256": sha256,
            },
        )
    return PaymentExport(
        content=content,
        file_name=file_name(municipality, period, file_format, encoding),
        content_type=CONTENT_TYPES["xlsx" if file_format == "xlsx" else "csv"],
        sha256=sha256,
        rows=len(found),
        total=summary.total,
    )


def file_name(municipality: Municipality, period: Period, file_format: str, encoding: str) -> str:
    stem = f"payments-{municipality.lg_code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    if file_format == "xlsx":
        return f"{stem}.xlsx"
    part = "-summary" if file_format == "summary_csv" else ""
    suffix = "-cp932" if encoding == "cp932" else ""
    return f"{stem}{part}{suffix}.csv"


def _text(value: writers.CellValue | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def movement_rows(found: list[Movement], *, typed: bool) -> list[writers.Row]:
    """The itemized rows; ``typed``: numbers and date-times stay typed (XLSX)."""
    rows = []
    for m in found:
        cells: list[writers.CellValue | None] = [
            m.receipt_serial,
            m.receipt_number,
            m.procedure,
            m.department,
            m.gross,
            m.fee,
            m.net,
            m.method,
            m.provider_reference,
            m.paid_at,
            m.refunded_at if m.category == "refund" else None,
            m.category,
        ]
        rows.append(writers.Row(m.receipt_serial, _cells(cells, typed)))
    return rows


def _cells(cells: list[writers.CellValue | None], typed: bool) -> list[writers.CellValue]:
    if typed:
        return ["" if c is None else c for c in cells]
    return [_text(c) for c in cells]


def summary_rows(summary: Summary, *, typed: bool) -> list[writers.Row]:
    """The totals: per reporting category and in all, per day, per procedure."""
    lines: list[tuple[str, str, str, Totals]] = [
        *((SECTION_CATEGORY, c, "", t) for c, t in summary.by_category.items()),
        (SECTION_TOTAL, "", "", summary.total),
    ]
    rows = [_summary_row(*line, typed=typed) for line in lines]
    rows += [
        _summary_row(SECTION_DAY, day.isoformat(), "", totals, typed=typed)
        for day, totals in summary.by_day.items()
    ]
    rows += [
        _summary_row(SECTION_PROCEDURE, title, department, totals, typed=typed)
        for (title, department, _form_id), totals in summary.by_procedure.items()
    ]
    return rows


def _summary_row(
    section: str, item: str, department: str, totals: Totals, *, typed: bool
) -> writers.Row:
    cells: list[writers.CellValue | None] = [
        section,
        item,
        department,
        totals.count,
        totals.charges,
        totals.refunds,
        totals.gross,
        totals.fee,
        totals.net,
    ]
    return writers.Row(f"{section}:{item}", _cells(cells, typed))


def _csv(header: list[str], rows: list[writers.Row], encoding: writers.Encoding) -> bytes:
    problems = writers.Problems()
    content = b"".join(writers.csv_chunks(header, rows, encoding=encoding, problems=problems))
    if problems.count:
        raise PaymentsExportUnencodable
    return content


def _xlsx(found: list[Movement], summary: Summary) -> bytes:
    with tempfile.TemporaryDirectory(prefix="madoguchi-payments-") as directory:
        path = Path(directory) / "payments.xlsx"
        writers.write_xlsx_sheets(
            [
                writers.Sheet("明細", HEADER, movement_rows(found, typed=True)),
                writers.Sheet("集計", SUMMARY_HEADER, summary_rows(summary, typed=True)),
            ],
            path,
        )
        return path.read_bytes()
