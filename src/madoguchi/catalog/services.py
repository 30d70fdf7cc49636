"""Writes of the procedure inventory (棚卸): each one transaction with its ledger event.

Rules kept here, whatever page or file the change comes from:

- department staff (not read-only) change their own departments' procedures; the DX office
  (the city's administrators) changes any procedure of its city and alone reviews;
- ``procedure_id`` is stable: generated as ``<lg_code>-P0001`` … when left empty, never changed
  once the DX office has reviewed the procedure (open data refers to it);
- a department's change to a reviewed procedure sends it back to "being filled in", so the DX
  office sees it again; the DX office's own changes keep the state;
- a hearing sheet imports all its rows or none (one transaction, every row checked first);
- a change of a procedure's 標準処理期間 or form recomputes the due dates of the open
  applications it governs, in the same transaction (``deadlines.recompute_after_period_change``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, Municipality, StaffMember

from . import deadlines, hearing_sheet, selectors
from .hearing_sheet import Problem, SheetRow
from .models import Procedure, ReviewState, SealReview

# The fields a procedure's edit compares to tell whether anything changed.
INVENTORY_FIELDS = (
    "procedure_id",
    "name",
    "name_en",
    "category",
    "department_id",
    "legal_basis",
    "target",
    "exclusion_reason",
    "applicant",
    "identity_check_required",
    "signature_required",
    "seal_required",
    "seal_review",
    "channels",
    "form_id",
    "annual_volume",
    "processing_days",
)


class NotYourProcedure(Refused):
    code = "catalog_not_your_procedure"
    status = 403
    default_message = _("Only its department's staff and the DX office can change this procedure.")


class NotDxOffice(Refused):
    code = "catalog_not_dx_office"
    status = 403
    default_message = _("Only the DX office (the city's administrators) reviews procedures.")


class ProcedureIdLocked(Refused):
    code = "catalog_procedure_id_locked"
    default_message = _(
        "The procedure ID cannot change after the DX office reviewed the procedure: "
        "open data and other systems refer to it."
    )


class DuplicateProcedureId(Refused):
    code = "catalog_duplicate_procedure_id"
    default_message = _("Another procedure of the city has this ID: choose another one.")


class InvalidSheet(Refused):
    """The hearing sheet has problems; nothing of it was imported."""

    code = "catalog_invalid_sheet"
    default_message = _("Nothing was imported: fix the rows below and upload the file again.")

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__()
        self.problems = list(problems)


def procedure_subject(procedure: Procedure, lg_code: str) -> str:
    return f"procedure:{lg_code}/{procedure.procedure_id}"


def _actor(by: StaffMember) -> str:
    return events.pseudonym("staff", by.pk)


def _check_may_edit(by: StaffMember, department_ids: Iterable[int]) -> None:
    allowed = set(selectors.editable_departments(by).values_list("pk", flat=True))
    if not set(department_ids) <= allowed:
        raise NotYourProcedure()


_GENERATED = re.compile(r"-P(\d{4,})$")


def next_procedure_id(municipality: Municipality) -> str:
    """``<lg_code>-P<4 digits>`` one above the highest generated so far (call under the lock)."""
    prefix = f"{municipality.lg_code}-P"
    numbers = [
        int(match.group(1))
        for value in Procedure.objects.filter(
            municipality=municipality, procedure_id__startswith=prefix
        ).values_list("procedure_id", flat=True)
        if (match := _GENERATED.search(value)) is not None
    ]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _lock_city(by: StaffMember) -> Municipality:
    """The city's row as the inventory's mutex (procedure IDs are generated under it).

    ``FOR NO KEY UPDATE`` on PostgreSQL: it serialises the inventory's writers but does not
    block rows of other tables that merely refer to the city (their foreign-key checks take
    ``FOR KEY SHARE``), so an application's status change never waits for it.
    """
    return Municipality.objects.select_for_update(no_key=True).get(pk=by.municipality_id)


def _changed(before: Procedure | None, after: Procedure) -> list[str]:
    if before is None:
        return ["created"]
    return [name for name in INVENTORY_FIELDS if getattr(before, name) != getattr(after, name)]


def save_procedure(*, procedure: Procedure, by: StaffMember) -> Procedure:
    """Create or change one procedure as ``by`` filled it in (the edit page's form)."""
    procedure.municipality_id = by.municipality_id
    with transaction.atomic():
        municipality = _lock_city(by)
        before = (
            Procedure.objects.select_for_update().get(pk=procedure.pk, municipality=municipality)
            if procedure.pk
            else None
        )
        departments = {procedure.department_id}
        if before is not None:
            departments.add(before.department_id)
        _check_may_edit(by, departments)
        _write(procedure, before, municipality=municipality, by=by)
    return procedure


def _write(
    procedure: Procedure, before: Procedure | None, *, municipality: Municipality, by: StaffMember
) -> list[str] | None:
    """Save ``procedure`` under the municipality's lock; the fields changed, None if nothing."""
    if (
        before is not None
        and before.review_state == ReviewState.REVIEWED
        and procedure.procedure_id != before.procedure_id
    ):
        raise ProcedureIdLocked()
    if not procedure.procedure_id:
        procedure.procedure_id = next_procedure_id(municipality)
    elif (
        Procedure.objects.filter(municipality=municipality, procedure_id=procedure.procedure_id)
        .exclude(pk=procedure.pk)
        .exists()
    ):
        raise DuplicateProcedureId()
    changed = _changed(before, procedure)
    if not changed:
        return None
    if (
        before is not None
        and before.review_state == ReviewState.REVIEWED
        and not selectors.is_dx_office(by)
    ):
        procedure.review_state = ReviewState.DRAFT
    procedure.updated_by = by
    # A new 標準処理期間 (or form) moves the due dates of the open applications it governs.
    period_moved = bool({"created", "processing_days", "form_id"} & set(changed))
    periods_before = (
        deadlines.periods_of_forms(
            municipality.pk, {procedure.form_id, before.form_id if before else None}
        )
        if period_moved
        else {}
    )
    procedure.save()
    if periods_before:
        deadlines.recompute_after_period_change(municipality.pk, periods_before, actor=_actor(by))
    events.record(
        events.Event.CATALOG_PROCEDURE_CHANGED,
        actor=_actor(by),
        subject=procedure_subject(procedure, municipality.lg_code),
        detail={
            "department": procedure.department.code,
            "fields": ",".join(changed),
            "review_state": procedure.review_state,
        },
    )
    return changed


def submit(*, procedures: Iterable[Procedure], by: StaffMember) -> int:
    """Send the department's draft procedures to the DX office; how many were sent."""
    sent = 0
    with transaction.atomic():
        chosen = list(
            Procedure.objects.select_for_update()
            .filter(
                pk__in=[p.pk for p in procedures],
                municipality_id=by.municipality_id,
                review_state=ReviewState.DRAFT,
            )
            .select_related("department", "municipality")
        )
        _check_may_edit(by, {p.department_id for p in chosen})
        for procedure in chosen:
            procedure.review_state = ReviewState.SUBMITTED
            procedure.updated_by = by
            procedure.save(update_fields=["review_state", "updated_by", "updated_at"])
            events.record(
                events.Event.CATALOG_PROCEDURE_CHANGED,
                actor=_actor(by),
                subject=procedure_subject(procedure, procedure.municipality.lg_code),
                detail={
                    "department": procedure.department.code,
                    "fields": "review_state",
                    "review_state": procedure.review_state,
                },
            )
            sent += 1
    return sent


@dataclass(frozen=True)
class Decision:
    """What the DX office decided about one procedure."""

    target: bool
    exclusion_reason: str
    seal_review: str
    note: str
    # True: reviewed; False: back to the department ("being filled in") with the note.
    accept: bool = True


def review(*, procedure: Procedure, decision: Decision, by: StaffMember) -> Procedure:
    """The DX office marks its decisions and the review state (reviewed, or back to draft)."""
    if not selectors.is_dx_office(by):
        raise NotDxOffice()
    with transaction.atomic():
        current = (
            Procedure.objects.select_for_update()
            .select_related("department", "municipality")
            .get(pk=procedure.pk, municipality_id=by.municipality_id)
        )
        current.target = decision.target
        current.exclusion_reason = "" if decision.target else decision.exclusion_reason
        current.seal_review = SealReview(decision.seal_review)
        current.review_note = decision.note
        current.review_state = ReviewState.REVIEWED if decision.accept else ReviewState.DRAFT
        current.reviewed_by = by
        current.reviewed_at = timezone.now()
        current.save()
        events.record(
            events.Event.CATALOG_REVIEWED,
            actor=_actor(by),
            subject=procedure_subject(current, current.municipality.lg_code),
            detail={
                "department": current.department.code,
                "review_state": current.review_state,
                "target": "1" if current.target else "0",
                "seal_review": current.seal_review,
            },
        )
    return current


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    procedure_ids: list[str] = field(default_factory=list)


def import_sheet(*, data: bytes, filename: str, by: StaffMember) -> ImportResult:
    """Upsert every row of a hearing sheet by 手続ID, or nothing (``InvalidSheet``)."""
    if not by.can_act:
        raise NotYourProcedure()
    try:
        table = hearing_sheet.read_table(data, filename)
    except hearing_sheet.UnreadableSheet as error:
        raise InvalidSheet([error.problem]) from error
    header, body = table[0], table[1:]
    problems = hearing_sheet.header_problems(header)
    if problems:
        raise InvalidSheet(problems)
    rows: list[SheetRow] = []
    for line, cells in enumerate(body, start=2):
        parsed = hearing_sheet.parse_row(header, cells, line=line)
        if isinstance(parsed, list):
            problems.extend(parsed)
        else:
            rows.append(parsed)
    departments = {d.code: d for d in selectors.editable_departments(by)}
    forms = {f.slug: f for f in selectors.forms_of(by)}
    result = ImportResult()
    with transaction.atomic():
        municipality = _lock_city(by)
        existing = {
            p.procedure_id: p
            for p in Procedure.objects.select_for_update().filter(
                municipality=municipality,
                procedure_id__in=[r.procedure_id for r in rows if r.procedure_id],
            )
        }
        # The open applications whose due dates the rows may move are locked before the first
        # ledger event (the ledger's head is locked till commit, and a status change locks the
        # application first, then the ledger): the same order as a status change's.
        deadlines.lock_open_applications(
            municipality.pk,
            {p.form_id for p in existing.values()} | {f.pk for f in forms.values()},
        )
        problems.extend(_row_problems(rows, existing, departments, forms))
        if problems:
            raise InvalidSheet(sorted(problems, key=lambda p: (p.line, _column_order(p.column))))
        for row in rows:
            before = existing.get(row.procedure_id)
            procedure = _from_row(row, before, departments, forms)
            procedure.municipality = municipality
            changed = _write(procedure, before, municipality=municipality, by=by)
            if before is None:
                result.created += 1
            elif changed:
                result.updated += 1
            else:
                result.unchanged += 1
            result.procedure_ids.append(procedure.procedure_id)
        events.record(
            events.Event.CATALOG_IMPORTED,
            actor=_actor(by),
            subject=f"catalog:{municipality.lg_code}",
            detail={
                "sha256": hashlib.sha256(data).hexdigest(),
                "rows": str(len(rows)),
                "created": str(result.created),
                "updated": str(result.updated),
                "departments": ",".join(sorted({r.department for r in rows})),
            },
        )
    return result


def _column_order(column: str) -> int:
    return hearing_sheet.HEADERS.index(column) if column in hearing_sheet.HEADERS else -1


def _row_problems(
    rows: Sequence[SheetRow],
    existing: dict[str, Procedure],
    departments: Mapping[str, Department],
    forms: Mapping[str, Form],
) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    header = hearing_sheet.HEADER_OF
    for row in rows:
        if row.department not in departments:
            problems.append(
                Problem(
                    row.line,
                    header["department"],
                    _("Unknown department code, or not one of your departments."),
                )
            )
        if row.form and row.form not in forms:
            problems.append(
                Problem(row.line, header["form"], _("No form of the city has this URL name."))
            )
        if not row.procedure_id:
            continue
        if row.procedure_id in seen:
            problems.append(
                Problem(
                    row.line,
                    header["procedure_id"],
                    _("The same ID is on line %(line)d already.")
                    % {"line": seen[row.procedure_id]},
                )
            )
        seen.setdefault(row.procedure_id, row.line)
        before = existing.get(row.procedure_id)
        if before is not None and before.department.code not in departments:
            problems.append(
                Problem(
                    row.line,
                    header["procedure_id"],
                    _("This procedure belongs to a department that is not yours."),
                )
            )
    return problems


def _from_row(
    row: SheetRow,
    before: Procedure | None,
    departments: Mapping[str, Department],
    forms: Mapping[str, Form],
) -> Procedure:
    """The procedure as the row says (a copy of ``before``; fields the sheet lacks kept)."""
    procedure = Procedure() if before is None else Procedure.objects.get(pk=before.pk)
    procedure.procedure_id = row.procedure_id
    procedure.name = row.name
    procedure.department = departments[row.department]
    procedure.legal_basis = row.legal_basis
    procedure.target = row.target
    procedure.exclusion_reason = row.exclusion_reason
    procedure.applicant = row.applicant
    procedure.identity_check_required = row.identity_check_required
    procedure.signature_required = row.signature_required
    procedure.seal_required = row.seal_required
    procedure.seal_review = row.seal_review
    procedure.channels = list(row.channels)
    procedure.form = forms[row.form] if row.form else None
    procedure.annual_volume = row.annual_volume
    procedure.processing_days = row.processing_days
    return procedure


def sheet_rows(procedures: Iterable[Procedure]) -> list[SheetRow]:
    """The hearing sheet's rows of ``procedures`` (an export of the inventory)."""
    return [
        SheetRow(
            line=0,
            procedure_id=p.procedure_id,
            name=p.name,
            department=p.department.code,
            legal_basis=p.legal_basis,
            target=p.target,
            exclusion_reason=p.exclusion_reason,
            applicant=p.applicant,
            identity_check_required=p.identity_check_required,
            signature_required=p.signature_required,
            seal_required=p.seal_required,
            seal_review=p.seal_review,
            channels=tuple(p.channels),
            form=p.form.slug if p.form else "",
            annual_volume=p.annual_volume,
            processing_days=p.processing_days,
        )
        for p in procedures
    ]
