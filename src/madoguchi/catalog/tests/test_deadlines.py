"""標準処理期間: due dates set on receipt, paused while returned, shown to the applicant,
and the share of applications decided on time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.catalog import deadlines
from madoguchi.catalog.models import Procedure
from madoguchi.forms.models import FormVersion
from madoguchi.jp.business_days import add_business_days, business_days_between
from madoguchi.submissions import corrections, status_links, workflow
from madoguchi.submissions.models import Status, StatusChange, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import DepartmentFactory, publish_form, submit_application
from madoguchi.testing.staff import log_in_staff

from .helpers import procedure

pytestmark = pytest.mark.django_db


def at_tokyo(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=deadlines.TOKYO)


@pytest.fixture
def linked(form_version: FormVersion) -> Procedure:
    return procedure(
        form_version.form.department, "P-001", form=form_version.form, processing_days=10
    )


def _return_and_resubmit(
    submission: Submission, staff: StaffMember, returned_at: datetime, capture: Any
) -> Submission:
    with capture(execute=True):
        correction, _token = workflow.return_for_correction(
            submission=submission,
            staff=staff,
            reason="フリガナを確認してください。",
            fields=["name_kana"],
        )
    StatusChange.objects.filter(submission=submission, to_status=Status.RETURNED).update(
        at=returned_at
    )
    with capture(execute=True):
        corrections.apply_correction(
            correction=correction, answers=submission.answers | {"name_kana": "カガ ジロウ"}
        )
    return Submission.objects.get(pk=submission.pk)


def test_a_received_application_is_due_the_procedures_period_in_business_days_later(
    form_version: FormVersion, linked: Procedure
) -> None:
    submission = submit_application(form_version)

    stored = Submission.objects.get(pk=submission.pk)
    today = deadlines.tokyo_day(stored.submitted_at)
    assert stored.due_date == add_business_days(today, 10)
    assert business_days_between(today, stored.due_date) == 10


def test_without_a_procedure_or_a_period_no_due_date_is_set(department: Any) -> None:
    unlinked = publish_form(department=department, slug="unlinked")
    no_period = publish_form(department=department, slug="no-period")
    procedure(department, "P-002", form=no_period.form)

    assert submit_application(unlinked).due_date is None
    assert Submission.objects.get(pk=submit_application(no_period).pk).due_date is None


def test_a_due_date_staff_set_is_kept_and_paper_counts_from_its_day_of_arrival(
    form_version: FormVersion, linked: Procedure
) -> None:
    submission = submit_application(form_version)
    submission.due_date = date(2027, 3, 1)

    deadlines.set_due_date_on_submission(submission)
    assert submission.due_date == date(2027, 3, 1)

    submission.due_date = None
    # Arrived on Monday 28 December 2026: 年末年始 first, then ten business days.
    submission.received_on = date(2026, 12, 28)
    deadlines.set_due_date_on_submission(submission)
    assert submission.due_date == date(2027, 1, 18)


def test_the_clock_pauses_while_the_application_is_returned_for_correction(
    form_version: FormVersion,
    linked: Procedure,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    submission = submit_application(form_version)
    first_due = Submission.objects.get(pk=submission.pk).due_date
    assert first_due is not None
    returned_at = timezone.now() - timedelta(days=9)

    resubmitted = _return_and_resubmit(
        submission, staff, returned_at, django_capture_on_commit_callbacks
    )

    paused = business_days_between(
        deadlines.tokyo_day(returned_at), deadlines.tokyo_day(timezone.now())
    )
    assert paused >= 5
    assert resubmitted.status == Status.RESUBMITTED
    assert resubmitted.due_date == add_business_days(first_due, paused)


def test_a_pause_over_a_weekend_and_a_holiday_counts_only_business_days(
    form_version: FormVersion, linked: Procedure
) -> None:
    submission = submit_application(form_version)
    submission.due_date = date(2026, 11, 6)
    Submission.objects.filter(pk=submission.pk).update(due_date=submission.due_date)
    # Returned on Friday 30 October; back on Wednesday 4 November (3 November is 文化の日):
    # Monday 2 and Wednesday 4 were the applicant's, so the due date moves two business days.
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

    deadlines.pause_while_returned(submission, back)

    assert submission.due_date == date(2026, 11, 10)
    assert Submission.objects.get(pk=submission.pk).due_date == date(2026, 11, 10)


def test_a_withdrawal_while_returned_leaves_the_due_date_alone(
    form_version: FormVersion,
    linked: Procedure,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    submission = submit_application(form_version)
    due = Submission.objects.get(pk=submission.pk).due_date
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_for_correction(
            submission=submission, staff=staff, reason="確認してください。", fields=["name_kana"]
        )
    StatusChange.objects.filter(submission=submission).update(
        at=timezone.now() - timedelta(days=14)
    )

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(submission=submission)

    assert Submission.objects.get(pk=submission.pk).due_date == due


def test_the_applicant_sees_the_expected_decision_date_on_the_status_page(
    form_version: FormVersion, linked: Procedure
) -> None:
    submission = Submission.objects.get(pk=submit_application(form_version).pk)
    token = status_links.issue(submission)

    page = Client(HTTP_ACCEPT_LANGUAGE="ja").get(reverse("submissions:status", args=[token]))

    assert page.status_code == 200
    assert 'data-testid="deadline-panel"' in page.text
    assert "処理予定日" in page.text
    assert f"{submission.due_date.year}年" in page.text  # type: ignore[union-attr]
    assert "10営業日" in page.text


def test_a_decided_application_shows_no_expected_date(
    form_version: FormVersion, linked: Procedure, staff: StaffMember
) -> None:
    submission = submit_application(form_version)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=submission, to_status=Status.APPROVED, staff=staff)
    token = status_links.issue(submission)

    page = Client(HTTP_ACCEPT_LANGUAGE="ja").get(reverse("submissions:status", args=[token]))

    assert 'data-testid="deadline-panel"' not in page.text


def test_the_share_decided_on_time_counts_decisions_in_the_period_per_procedure(
    form_version: FormVersion, linked: Procedure, staff: StaffMember, department: Any
) -> None:
    other_form = publish_form(department=department, slug="other")
    other = procedure(department, "P-009", form=other_form.form, processing_days=5)
    procedure(department, "P-010")  # no form: not Madoguchi's to count
    due = date(2026, 11, 20)

    def decided(version: FormVersion, on: date, to: str = Status.APPROVED) -> Submission:
        submission = submit_application(version)
        Submission.objects.filter(pk=submission.pk).update(due_date=due)
        workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
        workflow.change_status(submission=submission, to_status=to, staff=staff, reason="審査済み")
        StatusChange.objects.filter(submission=submission).update(at=at_tokyo(on, 23))
        return submission

    decided(form_version, due)  # on the due day itself: on time
    decided(form_version, due - timedelta(days=3), Status.REJECTED)
    decided(form_version, due + timedelta(days=1))  # late
    decided(form_version, date(2026, 12, 5))  # outside the period
    submit_application(form_version)  # not decided
    late_twice = decided(other_form, due + timedelta(days=2))
    # Completed later: the decision is the first change, and it was late.
    StatusChange.objects.create(
        submission=late_twice,
        from_status=Status.APPROVED,
        to_status=Status.COMPLETED,
        at=at_tokyo(due + timedelta(days=5)),
    )

    rows = deadlines.on_time_share(department.municipality, date(2026, 11, 1), date(2026, 11, 30))

    by_id = {row.procedure_id: row for row in rows}
    assert set(by_id) == {"P-001", "P-009"}
    assert (by_id["P-001"].decided, by_id["P-001"].on_time) == (3, 2)
    assert str(by_id["P-001"].percent) == "66.7"
    assert (by_id["P-009"].decided, by_id["P-009"].on_time, by_id["P-009"].percent) == (
        1,
        0,
        0,
    )
    assert by_id["P-009"].procedure_pk == other.pk
    assert (
        deadlines.on_time_share(department.municipality, date(2026, 1, 1), date(2026, 1, 31))[
            0
        ].percent
        is None
    )


def test_the_statistics_page_shows_the_share_on_time_of_the_staff_members_procedures(
    form_version: FormVersion, linked: Procedure, staff: StaffMember, department: Any
) -> None:
    other_department: Department = DepartmentFactory(municipality=department.municipality)  # type: ignore[assignment]
    hidden_form = publish_form(department=other_department, slug="hidden")
    procedure(
        other_department, "P-900", name="他課の手続", form=hidden_form.form, processing_days=3
    )
    submission = submit_application(form_version)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=submission, to_status=Status.APPROVED, staff=staff)

    page = log_in_staff(staff).get(reverse("backoffice:statistics"), HTTP_ACCEPT_LANGUAGE="ja")

    assert page.status_code == 200
    assert 'data-testid="on-time-share"' in page.text
    assert "P-001" in page.text and "100.0%" in page.text
    assert "他課の手続" not in page.text


def test_the_fiscal_year_starts_on_the_first_of_april() -> None:
    assert deadlines.fiscal_year_start(date(2027, 3, 31)) == date(2026, 4, 1)
    assert deadlines.fiscal_year_start(date(2026, 4, 1)) == date(2026, 4, 1)
