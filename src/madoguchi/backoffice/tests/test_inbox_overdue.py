"""期限超過 in the inbox: the overdue filter and badge, kept across pages, no query per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from madoguchi.backoffice import selectors
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import due_dates, workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import submit_application
from madoguchi.testing.staff import INBOX_URL, log_in_staff

pytestmark = pytest.mark.django_db


def _due(submission: Submission, days_from_today: int) -> Submission:
    Submission.objects.filter(pk=submission.pk).update(
        due_date=due_dates.today() + timedelta(days=days_from_today)
    )
    return Submission.objects.get(pk=submission.pk)


def _numbers(staff: StaffMember, **filters: object) -> set[str]:
    inbox = selectors.filtered_inbox(staff, selectors.InboxFilters(**filters))  # type: ignore[arg-type]
    return set(inbox.values_list("receipt_number", flat=True))


def test_only_applications_past_their_due_date_and_still_with_the_department_are_overdue(
    form_version: FormVersion, staff: StaffMember
) -> None:
    late = _due(submit_application(form_version), -1)
    due_today = _due(submit_application(form_version), 0)
    _due(submit_application(form_version), 3)
    submit_application(form_version)  # no due date
    decided = _due(submit_application(form_version), -5)
    workflow.change_status(submission=decided, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=decided, to_status=Status.APPROVED, staff=staff)
    returned = _due(submit_application(form_version), -5)
    workflow.return_for_correction(
        submission=returned, staff=staff, reason="確認してください。", fields=["name_kana"]
    )

    overdue = _numbers(staff, overdue=True)

    assert overdue == {late.receipt_number}
    assert due_today.receipt_number in _numbers(staff)
    assert len(_numbers(staff)) == 6


def test_the_inbox_marks_overdue_rows_and_keeps_the_filter_on_the_next_page(
    form_version: FormVersion, staff: StaffMember
) -> None:
    for _ in range(selectors.PAGE_SIZE + 1):
        _due(submit_application(form_version), -2)
    on_time = _due(submit_application(form_version), 2)
    browser = log_in_staff(staff)

    page = browser.get(INBOX_URL, {"overdue": "1"}).text

    assert page.count('data-testid="overdue-badge"') == selectors.PAGE_SIZE
    assert on_time.receipt_number not in page
    assert 'rel="next"' in page and "overdue=1" in page
    assert '<option value="1" selected>' in page


def _inbox_queries(browser: Client, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(INBOX_URL, params)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"overdue": "1"}])
def test_due_dates_and_badges_need_no_query_per_row(
    form_version: FormVersion, staff: StaffMember, params: dict[str, str]
) -> None:
    browser = log_in_staff(staff)
    for _ in range(2):
        _due(submit_application(form_version), -1)
    few = _inbox_queries(browser, params)

    for _ in range(8):
        _due(submit_application(form_version), -1)
        _due(submit_application(form_version), 4)
    many = _inbox_queries(browser, params)

    assert many == few
