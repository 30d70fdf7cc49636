"""標準処理期間 changed: open applications' due dates recomputed from receipt (keeping the
days paused while returned), decided ones kept; every due date that moves is in the ledger
with its old and new dates and a reason code, in the same transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.catalog import deadlines, hearing_sheet, services
from madoguchi.catalog.models import Procedure
from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.jp.business_days import add_business_days, business_days_between
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, StatusChange, Submission
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory, submit_application

from .helpers import procedure

pytestmark = pytest.mark.django_db


def at_tokyo(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=deadlines.TOKYO)


@pytest.fixture
def linked(form_version: FormVersion) -> Procedure:
    return procedure(
        form_version.form.department, "P-001", form=form_version.form, processing_days=10
    )


@pytest.fixture
def dx(form_version: FormVersion) -> StaffMember:
    made = StaffFactory(
        municipality=form_version.form.department.municipality,
        role=StaffRole.MUNICIPALITY_ADMIN,
    )
    return StaffMember.objects.get(pk=made.pk)  # type: ignore[attr-defined]


def _moves(submission: Submission) -> list[dict[str, str]]:
    return [
        entry.detail
        for entry in LedgerEntry.objects.filter(
            subject=events.submission_subject(submission.public_id),
            event=events.Event.DUE_DATE_CHANGED,
        )
    ]


def _received_on(submission: Submission, day: date) -> Submission:
    """The application as if received on ``day`` with the period it had then."""
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=at_tokyo(day),
        due_date=deadlines.due_date_with(
            Submission(received_on=day), deadlines.processing_days_for(submission), 0
        ),
    )
    return Submission.objects.get(pk=submission.pk)


def _set_period(linked: Procedure, days: int | None, by: StaffMember) -> None:
    linked.processing_days = days
    services.save_procedure(procedure=linked, by=by)


def test_a_new_period_moves_open_applications_and_keeps_decided_ones(
    form_version: FormVersion, linked: Procedure, dx: StaffMember, staff: StaffMember
) -> None:
    # Received Thursday 1 October 2026 (12 October スポーツの日): 10 business days → 16
    # October, 20 → 30 October.
    open_one = _received_on(submit_application(form_version), date(2026, 10, 1))
    decided = _received_on(submit_application(form_version), date(2026, 10, 1))
    withdrawn = _received_on(submit_application(form_version), date(2026, 10, 1))
    assert open_one.due_date == date(2026, 10, 16)
    workflow.change_status(submission=decided, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=decided, to_status=Status.APPROVED, staff=staff)
    workflow.withdraw(submission=withdrawn)

    _set_period(linked, 20, dx)

    assert Submission.objects.get(pk=open_one.pk).due_date == date(2026, 10, 30)
    assert Submission.objects.get(pk=decided.pk).due_date == date(2026, 10, 16)
    assert Submission.objects.get(pk=withdrawn.pk).due_date == date(2026, 10, 16)
    assert _moves(open_one) == [
        {"from": "2026-10-16", "to": "2026-10-30", "reason": "period_changed"}
    ]
    assert _moves(decided) == [] and _moves(withdrawn) == []


def test_a_due_date_staff_set_is_kept_and_moving_it_is_in_the_ledger(
    form_version: FormVersion, linked: Procedure, dx: StaffMember, staff: StaffMember
) -> None:
    submission = _received_on(submit_application(form_version), date(2026, 10, 1))

    workflow.set_due_date(submission=submission, staff=staff, due=date(2026, 12, 1))
    _set_period(linked, 5, dx)

    assert Submission.objects.get(pk=submission.pk).due_date == date(2026, 12, 1)
    assert _moves(submission) == [{"from": "2026-10-16", "to": "2026-12-01", "reason": "staff_set"}]


def test_the_pause_of_a_return_is_kept_when_the_period_changes(
    form_version: FormVersion, linked: Procedure, dx: StaffMember, staff: StaffMember
) -> None:
    submission = _received_on(submit_application(form_version), date(2026, 10, 1))
    # Returned Friday 30 October, back Wednesday 4 November (3 November 文化の日): 2 days.
    StatusChange.objects.create(
        submission=submission,
        from_status=Status.RECEIVED,
        to_status=Status.RETURNED,
        at=at_tokyo(date(2026, 10, 30)),
    )
    back = StatusChange.objects.create(
        submission=submission,
        from_status=Status.RETURNED,
        to_status=Status.RESUBMITTED,
        at=at_tokyo(date(2026, 11, 4)),
    )
    Submission.objects.filter(pk=submission.pk).update(status=Status.RESUBMITTED)
    submission.refresh_from_db()
    deadlines.pause_while_returned(submission, back)
    assert submission.due_date == date(2026, 10, 20)

    _set_period(linked, 20, dx)

    # 20 business days from 1 October is 30 October, plus the 2 paused: 2 November is a
    # Monday, 3 November a holiday, so Wednesday 4 November.
    assert Submission.objects.get(pk=submission.pk).due_date == date(2026, 11, 4)
    assert _moves(submission) == [
        {"from": "2026-10-16", "to": "2026-10-20", "reason": "paused_while_returned"},
        {"from": "2026-10-20", "to": "2026-11-04", "reason": "period_changed"},
    ]


def test_linking_a_form_or_removing_the_period_moves_the_dates_too(
    form_version: FormVersion, dx: StaffMember
) -> None:
    submission = _received_on(submit_application(form_version), date(2026, 10, 1))
    assert submission.due_date is None
    unlinked = procedure(form_version.form.department, "P-009", processing_days=10)

    unlinked.form = form_version.form
    services.save_procedure(procedure=unlinked, by=dx)
    assert Submission.objects.get(pk=submission.pk).due_date == date(2026, 10, 16)

    _set_period(unlinked, None, dx)
    assert Submission.objects.get(pk=submission.pk).due_date is None
    assert [m["reason"] for m in _moves(submission)] == ["period_changed", "period_changed"]
    assert _moves(submission)[1] == {"from": "2026-10-16", "to": "", "reason": "period_changed"}


def test_a_period_change_that_fails_moves_nothing_and_writes_nothing(
    form_version: FormVersion, linked: Procedure, dx: StaffMember
) -> None:
    submission = _received_on(submit_application(form_version), date(2026, 10, 1))
    procedure(form_version.form.department, "P-002")
    linked.processing_days = 20
    linked.procedure_id = "P-002"  # taken: refused after the check, nothing written

    with pytest.raises(services.DuplicateProcedureId):
        services.save_procedure(procedure=linked, by=dx)

    assert Submission.objects.get(pk=submission.pk).due_date == date(2026, 10, 16)
    assert _moves(submission) == []


def test_a_hearing_sheet_import_moves_the_dates_of_the_procedures_it_changes(
    form_version: FormVersion, linked: Procedure, dx: StaffMember
) -> None:
    submission = _received_on(submit_application(form_version), date(2026, 10, 1))
    Procedure.objects.filter(pk=linked.pk).update(channels=["online"])
    sheet = services.sheet_rows([Procedure.objects.get(pk=linked.pk)])
    header = list(hearing_sheet.HEADERS)
    cells = [str(c) for c in hearing_sheet.export_cells(sheet[0])]
    cells[header.index("標準処理期間（日）")] = "20"
    data = ("\ufeff" + ",".join(header) + "\r\n" + ",".join(cells) + "\r\n").encode()

    services.import_sheet(data=data, filename="sheet.csv", by=dx)

    assert Submission.objects.get(pk=submission.pk).due_date == date(2026, 10, 30)


# --- The business-day arithmetic of pauses and recomputation (Hypothesis) ---------------------

days_2026_2028 = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))


@settings(max_examples=150, deadline=None)
@given(
    received=days_2026_2028,
    period=st.integers(min_value=0, max_value=40),
    pauses=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=0, max_size=3),
)
def test_pausing_step_by_step_equals_recomputing_from_receipt(
    received: date, period: int, pauses: list[tuple[int, int]]
) -> None:
    """The due date moved at each return's end (pause_while_returned) is the date computed
    afresh from receipt with the sum of the pauses (recompute_after_period_change)."""
    submission = Submission(received_on=received)
    due = add_business_days(received, period)
    changes = []
    moment = at_tokyo(received)
    for gap, length in pauses:
        returned = moment + timedelta(days=gap)
        back = returned + timedelta(days=length)
        changes.append(
            StatusChange(from_status=Status.IN_REVIEW, to_status=Status.RETURNED, at=returned)
        )
        changes.append(
            StatusChange(from_status=Status.RETURNED, to_status=Status.RESUBMITTED, at=back)
        )
        paused = business_days_between(deadlines.tokyo_day(returned), deadlines.tokyo_day(back))
        due = add_business_days(due, max(paused, 0))
        moment = back
    total = deadlines.paused_business_days(changes)

    assert deadlines.due_date_with(submission, period, total) == due
    assert total >= 0
    # A longer period never gives an earlier date.
    later = deadlines.due_date_with(submission, period + 1, total)
    assert later is not None and later > due


def test_a_return_still_open_or_ended_by_withdrawal_adds_no_pause() -> None:
    start = at_tokyo(date(2026, 10, 30))
    still_returned = [
        StatusChange(from_status=Status.RECEIVED, to_status=Status.RETURNED, at=start)
    ]
    withdrawn = [
        *still_returned,
        StatusChange(
            from_status=Status.RETURNED,
            to_status=Status.WITHDRAWN,
            at=start + timedelta(days=10),
        ),
    ]

    assert deadlines.paused_business_days(still_returned) == 0
    assert deadlines.paused_business_days(withdrawn) == 0
