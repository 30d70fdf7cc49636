"""標準処理期間: the due date of an application, its pause while returned, the share on time.

A procedure of the inventory states its standard processing period in business days
(``Procedure.processing_days``; weekends, public holidays and 年末年始 excluded, see
:mod:`madoguchi.jp.business_days`). An application's period is that of the procedure linked
to its form. Rules, as implemented:

- **Due date.** When an application is received, ``Submission.due_date`` becomes the
  ``processing_days``-th business day after the day of receipt in Asia/Tokyo (初日不算入);
  for a paper application the day of receipt is its 到達日 (``received_on``). A due date staff
  already set is kept; a form without a procedure, or a procedure without a period, sets none.
- **Pause.** While an application is returned for correction (差し戻し) the clock stops: when it
  leaves ``returned`` (resubmitted by the applicant, or taken back into review by staff), its
  due date moves by the business days in (day returned, day it left] — a due date staff set
  moves too, since the days were the applicant's.
- **Decision and on time.** An application is decided at its first change to approved,
  rejected or (a form without review) completed; it was decided on time when that day
  (Asia/Tokyo) is on or before its due date. ``on_time_share`` counts the applications
  decided in a period, per procedure, among those that had a due date.

Registered into submissions' ports in :class:`..apps.CatalogConfig` ``ready()``:
``submissions.after_submit`` (:func:`set_due_date_on_submission`), ``submissions.status_hooks``
(:func:`pause_while_returned`), ``submissions.status_panels`` (:func:`resident_panel`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Min, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from madoguchi.core import events
from madoguchi.forms import submission_facts
from madoguchi.jp.business_days import add_business_days, business_days_between
from madoguchi.submissions import due_dates
from madoguchi.submissions.models import Status as S
from madoguchi.submissions.models import StatusChange, Submission
from madoguchi.submissions.status_panels import Where
from madoguchi.tenants.models import Department, Municipality, StaffMember
from madoguchi.tenants.selectors import visible_departments

from .models import Procedure

PROCESSING_DAYS_FACT = "catalog_processing_days"

TOKYO = ZoneInfo("Asia/Tokyo")
# The first change to one of these is the decision (処分) the period runs to.
DECIDED = frozenset({S.APPROVED, S.REJECTED, S.COMPLETED})
# The statuses whose clock is running (returned: paused; decided or withdrawn: stopped).
RUNNING = due_dates.RUNNING


def tokyo_day(moment: datetime) -> date:
    return moment.astimezone(TOKYO).date()


def received_day(submission: Submission) -> date:
    """The day the period starts from: the 到達日 of paper, else the day it was submitted."""
    return submission.received_on or tokyo_day(submission.submitted_at)


def _periods(municipality_id: Any, form_id: Any) -> QuerySet[Procedure]:
    return Procedure.objects.filter(
        municipality_id=municipality_id, form_id=form_id, processing_days__isnull=False
    ).order_by("procedure_id")


def processing_days_of_form() -> Subquery:
    """``processing_days_for`` on a form's row: a fact read on submission
    (forms.submission_facts)."""
    return Subquery(
        _periods(OuterRef("municipality_id"), OuterRef("pk")).values("processing_days")[:1]
    )


def processing_days_for(submission: Submission) -> int | None:
    """The standard period of the procedure linked to the submission's form, if it has one."""
    return submission_facts.fact(
        submission.form_version,
        PROCESSING_DAYS_FACT,
        lambda: (
            _periods(submission.municipality_id, submission.form_version.form_id)
            .values_list("processing_days", flat=True)
            .first()
        ),
    )


def due_date_for(submission: Submission) -> date | None:
    days = processing_days_for(submission)
    if days is None:
        return None
    return add_business_days(received_day(submission), days)


def set_due_date_on_submission(submission: Submission) -> None:
    """``submissions.after_submit`` hook, all in its first stage (before the ledger's lock):
    the due date from the procedure's period."""
    if submission.due_date is not None:
        return
    due = due_date_for(submission)
    if due is None:
        return
    submission.due_date = due
    submission.save(update_fields=["due_date"])


def pause_while_returned(submission: Submission, change: StatusChange) -> None:
    """``submissions.status_hooks`` hook: leaving ``returned`` moves the due date on."""
    if change.from_status != S.RETURNED or change.to_status == S.WITHDRAWN:
        return
    if submission.due_date is None:
        return
    returned_at = (
        StatusChange.objects.filter(submission=submission, to_status=S.RETURNED, at__lte=change.at)
        .exclude(pk=change.pk)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    if returned_at is None:
        return
    paused = business_days_between(tokyo_day(returned_at), tokyo_day(change.at))
    if paused <= 0:
        return
    previous = submission.due_date
    submission.due_date = add_business_days(previous, paused)
    submission.save(update_fields=["due_date"])
    due_dates.record_move(
        submission,
        previous,
        submission.due_date,
        reason=due_dates.MoveReason.PAUSED,
        actor=events.pseudonym("staff", change.actor_id) if change.actor_id else "resident",
    )


def paused_business_days(changes: Iterable[StatusChange]) -> int:
    """The business days an application spent returned (差し戻し) and then came back from:
    each (day returned, day it left] counted, as :func:`pause_while_returned` added them.
    A return it has not left yet (still returned) or left by withdrawal adds nothing."""
    total = 0
    returned_at: datetime | None = None
    for change in sorted(changes, key=lambda c: (c.at, c.pk or 0)):
        if change.to_status == S.RETURNED:
            returned_at = change.at
        elif change.from_status == S.RETURNED and returned_at is not None:
            if change.to_status != S.WITHDRAWN:
                total += max(business_days_between(tokyo_day(returned_at), tokyo_day(change.at)), 0)
            returned_at = None
    return total


def due_date_with(submission: Submission, days: int | None, paused: int) -> date | None:
    """The due date ``days`` (a 標準処理期間) gives, moved on by the ``paused`` days."""
    if days is None:
        return None
    return add_business_days(add_business_days(received_day(submission), days), paused)


def periods_of_forms(municipality_id: int, form_ids: Iterable[int | None]) -> dict[int, int | None]:
    """The standard period each form's submissions get now (the first linked procedure with a
    period, by procedure ID, as :func:`processing_days_for`), None for none."""
    wanted = {form_id for form_id in form_ids if form_id is not None}
    periods: dict[int, int | None] = dict.fromkeys(wanted)
    rows = (
        Procedure.objects.filter(
            municipality_id=municipality_id, form_id__in=wanted, processing_days__isnull=False
        )
        .order_by("-procedure_id")
        .values_list("form_id", "processing_days")
    )
    for form_id, days in rows:  # the last written is the first by procedure ID
        periods[form_id] = days
    return periods


def _open_applications(municipality_id: int, form_ids: Iterable[int]) -> QuerySet[Submission]:
    """The open applications of these forms, locked in id order: their own rows only (a form
    version row locked too would hold up every new application's foreign-key check)."""
    return (
        Submission.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            municipality_id=municipality_id,
            form_version__form_id__in=list(form_ids),
            status__in=[*RUNNING, S.RETURNED],
        )
        .order_by("pk")
    )


def lock_open_applications(municipality_id: int, form_ids: Iterable[int | None]) -> None:
    """Lock (in id order) the open applications of these forms, before a transaction that may
    recompute their due dates writes its first ledger event (see services.import_sheet)."""
    wanted = [form_id for form_id in form_ids if form_id is not None]
    if wanted:
        list(_open_applications(municipality_id, wanted).values_list("pk", flat=True))


def recompute_after_period_change(
    municipality_id: int, before: dict[int, int | None], *, actor: str
) -> int:
    """After a procedure's 標準処理期間 (or its form) changed: every open application of the
    forms in ``before`` (form id → the period its submissions had) gets its due date again
    from its day of receipt with the period they have now, plus the business days it was
    paused while returned. Call inside the transaction that changed the procedure.

    Open means not decided and not withdrawn (received, in review, returned, resubmitted);
    decided ones keep their date. A due date that is not the one the old period gave (staff
    set it by hand) is kept. Without a period any more, a computed due date is cleared.
    Each date that moves writes ``submission.due_date_changed`` (reason ``period_changed``).
    Returns how many moved.
    """
    after = periods_of_forms(municipality_id, before)
    changed = [form_id for form_id, days in before.items() if after.get(form_id) != days]
    if not changed:
        return 0
    moved = 0
    candidates = _open_applications(municipality_id, changed).select_related("form_version")
    for submission in candidates:
        form_id = submission.form_version.form_id
        paused = paused_business_days(submission.status_changes.all())
        if submission.due_date != due_date_with(submission, before[form_id], paused):
            continue  # set by staff: theirs to change
        new = due_date_with(submission, after[form_id], paused)
        if new == submission.due_date:
            continue
        previous = submission.due_date
        submission.due_date = new
        submission.save(update_fields=["due_date"])
        due_dates.record_move(
            submission, previous, new, reason=due_dates.MoveReason.PERIOD_CHANGED, actor=actor
        )
        moved += 1
    return moved


def resident_panel(request: HttpRequest, submission: Submission, where: Where) -> SafeString:
    """``submissions.status_panels`` panel: 処理予定日 while the application is being handled."""
    if where.page != "status" or submission.due_date is None:
        return SafeString("")
    if submission.status not in RUNNING and submission.status != S.RETURNED:
        return SafeString("")
    context = {
        "due_date": submission.due_date,
        "returned": submission.status == S.RETURNED,
        "days": processing_days_for(submission),
    }
    return SafeString(
        render_to_string("catalog/deadlines/resident_panel.html", context, request=request)
    )


@dataclass(frozen=True)
class OnTimeRow:
    """Applications of one procedure decided in the period, and how many of them on time."""

    procedure_pk: int
    procedure_id: str
    name: str
    processing_days: int | None
    decided: int
    on_time: int

    @property
    def percent(self) -> Decimal | None:
        if not self.decided:
            return None
        share = Decimal(self.on_time * 100) / Decimal(self.decided)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def on_time_share(
    municipality: Municipality,
    start: date,
    end: date,
    *,
    departments: QuerySet[Department] | None = None,
) -> list[OnTimeRow]:
    """Per procedure with a form: applications decided in [start, end] (Asia/Tokyo days)
    that had a due date, and how many were decided on or before it.

    Procedures with a form but no decision in the period are listed with zero counts, so a
    table shows every procedure Madoguchi handles. ``departments`` narrows it to theirs. One
    query for the procedures, one for the decisions (grouped per submission in the database).
    """
    found = Procedure.objects.filter(municipality=municipality, form__isnull=False)
    if departments is not None:
        found = found.filter(department__in=departments)
    procedures = list(found.order_by("procedure_id"))
    # A form linked to several procedures counts for the first (by procedure ID).
    procedure_of_form: dict[int, Procedure] = {}
    for procedure in procedures:
        if procedure.form_id is not None:
            procedure_of_form.setdefault(procedure.form_id, procedure)
    decided: dict[int, int] = {p.pk: 0 for p in procedures}
    on_time: dict[int, int] = {p.pk: 0 for p in procedures}
    if procedure_of_form:
        window_start = datetime.combine(start, time.min, tzinfo=TOKYO)
        window_end = datetime.combine(end + timedelta(days=1), time.min, tzinfo=TOKYO)
        decisions = (
            StatusChange.objects.filter(
                submission__municipality=municipality,
                submission__form_version__form_id__in=list(procedure_of_form),
                submission__due_date__isnull=False,
                to_status__in=list(DECIDED),
            )
            .values("submission_id", "submission__due_date", "submission__form_version__form_id")
            .annotate(decided_at=Min("at"))
            .filter(decided_at__gte=window_start, decided_at__lt=window_end)
        )
        for row in decisions.iterator():
            procedure = procedure_of_form[row["submission__form_version__form_id"]]
            decided[procedure.pk] += 1
            due = row["submission__due_date"]
            if due is not None and tokyo_day(row["decided_at"]) <= due:
                on_time[procedure.pk] += 1
    return [
        OnTimeRow(
            procedure_pk=p.pk,
            procedure_id=p.procedure_id,
            name=p.name,
            processing_days=p.processing_days,
            decided=decided[p.pk],
            on_time=on_time[p.pk],
        )
        for p in procedures
    ]


def fiscal_year_start(day: date) -> date:
    """1 April of the 年度 ``day`` falls in."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def statistics_section(request: HttpRequest, staff: StaffMember) -> SafeString:
    """``backoffice.statistics_panels`` section: the share decided on time this 年度.

    Procedures of the staff member's departments (all of the city's for administrators)
    that have a form; nothing when there are none.
    """
    today = due_dates.today()
    start = fiscal_year_start(today)
    rows = on_time_share(staff.municipality, start, today, departments=visible_departments(staff))
    if not rows:
        return SafeString("")
    context = {"rows": rows, "start": start, "end": today}
    return SafeString(render_to_string("catalog/deadlines/on_time.html", context, request=request))
