"""Monthly receipt volumes of procedures, entered on a page or imported from a CSV file.

Madoguchi counts its own receipts live (coverage.madoguchi_volumes); what is entered here is
everything else: the paper and counter receipts the back-office systems count, and the
national online service's counts. For a procedure with a Madoguchi form, the channels that
Madoguchi counts as smart (online, mail-in made with the web form, counter pre-registered)
cannot be entered, so nothing is counted twice; its paper receipts outside Madoguchi can.

An import is all or nothing: every row is checked first and any problem refuses the whole
file with one message per row (in the staff member's language); a good file replaces the
counts of the (procedure, month, channel) it names, records who and when, and leaves one
ledger event with the file's SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from madoguchi.core import events
from madoguchi.core.refusals import FieldError, Refused
from madoguchi.tenants.models import StaffMember

from .channels import VolumeChannel
from .coverage import departments_for, month_of
from .models import MonthlyVolume, Procedure

# The columns of the import file, in this order (a header row is required).
COLUMNS = ("手続ID", "年月", "経路", "件数")
MAX_ROWS = 50_000
MAX_BYTES = 5 * 1024 * 1024
LARGEST_COUNT = 10_000_000

# Counted live for a procedure with a Madoguchi form; never entered for it.
LIVE_SMART = frozenset({VolumeChannel.ONLINE, VolumeChannel.MAIL_WEB, VolumeChannel.COUNTER_PREREG})

# Short Japanese names a back-office export may use, besides the channel values and their
# labels in Japanese and English (compared after NFKC, without spaces).
ALIASES: dict[str, str] = {
    "オンライン": VolumeChannel.ONLINE,
    "電子申請": VolumeChannel.ONLINE,
    "国のオンラインサービス": VolumeChannel.NATIONAL,
    "ぴったりサービス": VolumeChannel.NATIONAL,
    "マイナポータル": VolumeChannel.NATIONAL,
    "郵送(web)": VolumeChannel.MAIL_WEB,
    "郵送(web作成)": VolumeChannel.MAIL_WEB,
    "窓口(事前登録)": VolumeChannel.COUNTER_PREREG,
    "窓口(紙)": VolumeChannel.COUNTER_PAPER,
    "窓口": VolumeChannel.COUNTER_PAPER,
    "郵送(紙)": VolumeChannel.MAIL_PAPER,
    "郵送": VolumeChannel.MAIL_PAPER,
}


class InvalidVolumes(Refused):
    """Volumes that cannot be recorded; ``field_errors`` has one entry per problem (``field``
    is ``line 3`` for a file's row, or the channel for the entry page)."""

    code = "invalid_volumes"
    default_message = gettext_lazy("Nothing was recorded. Please correct the rows listed.")


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def channel_names() -> dict[str, str]:
    """Every accepted spelling of a channel (normalised) → its value."""
    names: dict[str, str] = {}
    for value, label in VolumeChannel.choices:
        names[_normal(value)] = value
        with translation.override("ja"):
            names[_normal(str(label))] = value
        with translation.override("en"):
            names[_normal(str(label))] = value
    names.update({_normal(alias): value for alias, value in ALIASES.items()})
    return names


def enterable_channels(procedure: Procedure) -> list[str]:
    """The channels whose volumes are entered for ``procedure`` (not counted live)."""
    return [
        value
        for value in VolumeChannel.values
        if procedure.form_id is None or value not in LIVE_SMART
    ]


def editable_procedures(staff: StaffMember) -> list[Procedure]:
    """The procedures whose volumes ``staff`` may enter: their departments' (the DX office:
    all of the city's); none for read-only staff."""
    if not staff.can_act:
        return []
    return list(
        Procedure.objects.filter(
            municipality=staff.municipality,
            department__in=[d.pk for d in departments_for(staff)],
        )
        .select_related("department", "form")
        .order_by("procedure_id")
    )


def recorded_months(procedure: Procedure) -> list[MonthlyVolume]:
    return list(
        MonthlyVolume.objects.filter(procedure=procedure)
        .select_related("recorded_by__user")
        .order_by("-month", "channel")
    )


def enter_month(
    *, by: StaffMember, procedure: Procedure, month: date, counts: dict[str, int | None]
) -> None:
    """Record one month's counts of ``procedure`` by channel; ``None`` removes a count (not
    known). The caller has checked that ``by`` may edit the procedure."""
    month = month_of(month)
    allowed = set(enterable_channels(procedure))
    problems = [
        FieldError(channel, "channel_counted_live", _live_message())
        for channel in counts
        if channel not in allowed
    ]
    if month > month_of(timezone.localdate()):
        problems.append(FieldError("month", "future_month", gettext("The month is in the future.")))
    if problems:
        raise InvalidVolumes(field_errors=problems)
    now = timezone.now()
    with transaction.atomic():
        for channel, count in counts.items():
            if count is None:
                MonthlyVolume.objects.filter(
                    procedure=procedure, month=month, channel=channel
                ).delete()
                continue
            MonthlyVolume.objects.update_or_create(
                procedure=procedure,
                month=month,
                channel=channel,
                defaults={
                    "count": count,
                    "recorded_by": by,
                    "recorded_at": now,
                    "source": "entered",
                },
            )


def _live_message() -> str:
    return gettext(
        "Madoguchi counts this channel itself for a procedure with a form; it cannot be entered."
    )


@dataclass(frozen=True)
class Imported:
    rows: int
    sha256: str


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS (cp932), as Japanese office tools write."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp932")


def _parse_month(text: str) -> date | None:
    text = unicodedata.normalize("NFKC", text).strip().replace("/", "-")
    parts = text.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12 or year < 1900:
        return None
    return date(year, month, 1)


def _parse_count(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not text.isdigit():
        return None
    count = int(text)
    return count if count <= LARGEST_COUNT else None


def import_volumes(*, by: StaffMember, content: bytes) -> Imported:
    """Check every row of a CSV file, then record all of them or none (raises
    :class:`InvalidVolumes` with one error per bad row)."""

    def problem(line: int, code: str, message: str) -> FieldError:
        return FieldError(gettext("Line %(line)d") % {"line": line}, code, message)

    if len(content) > MAX_BYTES:
        raise InvalidVolumes(
            gettext("The file is larger than 5 MB. Please split it by month."),
            field_errors=[problem(0, "file_too_large", gettext("The file is too large."))],
        )
    try:
        text = _decode(content)
    except UnicodeDecodeError as error:
        raise InvalidVolumes(
            field_errors=[
                problem(
                    0,
                    "unreadable_file",
                    gettext("The file is not text in UTF-8 or Shift_JIS. Save it as CSV."),
                )
            ]
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_normal(cell) for cell in next(reader, [])]
    if header[: len(COLUMNS)] != [_normal(c) for c in COLUMNS]:
        raise InvalidVolumes(
            field_errors=[
                problem(
                    1,
                    "wrong_columns",
                    gettext("The first row must be the column names: %(columns)s")
                    % {"columns": ", ".join(COLUMNS)},
                )
            ]
        )
    procedures = {p.procedure_id: p for p in editable_procedures(by)}
    city_ids = set(
        Procedure.objects.filter(municipality=by.municipality).values_list(
            "procedure_id", flat=True
        )
    )
    names = channel_names()
    this_month = month_of(timezone.localdate())
    parsed: dict[tuple[int, date, str], tuple[Procedure, int]] = {}
    first_line: dict[tuple[int, date, str], int] = {}
    errors: list[FieldError] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if line - 1 > MAX_ROWS:
            errors.append(
                problem(
                    line,
                    "too_many_rows",
                    gettext("At most %(rows)d rows at once.") % {"rows": MAX_ROWS},
                )
            )
            break
        if len(row) < len(COLUMNS):
            errors.append(
                problem(line, "missing_cells", gettext("This row has fewer than 4 cells."))
            )
            continue
        procedure_id, month_text, channel_text, count_text = (cell.strip() for cell in row[:4])
        row_errors = []
        procedure = procedures.get(procedure_id)
        if procedure is None:
            if procedure_id in city_ids:
                row_errors.append(
                    gettext("Procedure %(id)s is not one of your departments'.")
                    % {"id": procedure_id}
                )
            else:
                row_errors.append(
                    gettext("There is no procedure with the ID %(id)s in the inventory.")
                    % {"id": procedure_id or "—"}
                )
        month = _parse_month(month_text)
        if month is None:
            row_errors.append(
                gettext("The month %(text)s is not in the form YYYY-MM (e.g. 2025-04).")
                % {"text": month_text or "—"}
            )
        elif month > this_month:
            row_errors.append(gettext("The month is in the future."))
        channel = names.get(_normal(channel_text))
        if channel is None:
            row_errors.append(
                gettext("Unknown channel %(text)s. Use one of: %(channels)s")
                % {"text": channel_text or "—", "channels": ", ".join(VolumeChannel.values)}
            )
        elif procedure is not None and channel not in enterable_channels(procedure):
            row_errors.append(_live_message())
        count = _parse_count(count_text)
        if count is None:
            row_errors.append(
                gettext("The count %(text)s is not a whole number of 0 or more.")
                % {"text": count_text or "—"}
            )
        if row_errors:
            errors.append(problem(line, "invalid_row", " ".join(row_errors)))
            continue
        assert procedure is not None and month is not None and channel is not None
        assert count is not None
        key = (procedure.pk, month, channel)
        if key in parsed:
            errors.append(
                problem(
                    line,
                    "duplicate_row",
                    gettext("The same procedure, month and channel is already on line %(line)d.")
                    % {"line": first_line[key]},
                )
            )
            continue
        parsed[key] = (procedure, count)
        first_line[key] = line
    if errors:
        raise InvalidVolumes(field_errors=errors)
    if not parsed:
        raise InvalidVolumes(
            field_errors=[problem(2, "no_rows", gettext("The file has no rows to import."))]
        )
    digest = hashlib.sha256(content).hexdigest()
    now = timezone.now()
    with transaction.atomic():
        for (_pk, month, channel), (procedure, count) in parsed.items():
            MonthlyVolume.objects.update_or_create(
                procedure=procedure,
                month=month,
                channel=channel,
                defaults={
                    "count": count,
                    "recorded_by": by,
                    "recorded_at": now,
                    "source": "imported",
                },
            )
        events.record(
            events.Event.CATALOG_VOLUMES_IMPORTED,
            actor=events.pseudonym("staff", by.pk),
            subject=f"catalog:{by.municipality.lg_code}",
            detail={"sha256": digest, "rows": str(len(parsed))},
        )
    return Imported(rows=len(parsed), sha256=digest)
