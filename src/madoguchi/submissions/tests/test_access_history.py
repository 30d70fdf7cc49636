"""The access history (やりとり履歴): views grouped, readable on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.backoffice import services as backoffice_services
from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.submissions import selectors, status_links
from madoguchi.submissions.models import Submission
from madoguchi.submissions.selectors import AccessRecord, group_views
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, submit_application

VIEWED = events.Event.STAFF_VIEWED.value


def _record(minutes: int, *, event: str = VIEWED, department: str = "健康課") -> AccessRecord:
    at = timezone.now().replace(hour=12) - timedelta(minutes=minutes)
    return AccessRecord(
        at=at, event=event, receipt_number="R-1", department=department, by_resident=False
    )


def test_successive_views_by_one_department_become_one_line_with_a_count() -> None:
    records = [_record(1), _record(20), _record(40)]

    grouped = group_views(records)

    assert len(grouped) == 1
    assert grouped[0].count == 3
    assert grouped[0].at == records[0].at
    assert grouped[0].first_at == records[2].at


def test_a_view_by_another_department_or_another_event_in_between_starts_a_new_line() -> None:
    records = [
        _record(1),
        _record(2, department="税務課"),
        _record(3),
        _record(4, event=events.Event.STATUS_CHANGED.value),
        _record(5),
        _record(6),
    ]

    grouped = group_views(records)

    assert [(r.department, r.event, r.count) for r in grouped] == [
        ("健康課", VIEWED, 1),
        ("税務課", VIEWED, 1),
        ("健康課", VIEWED, 1),
        ("健康課", events.Event.STATUS_CHANGED.value, 1),
        ("健康課", VIEWED, 2),
    ]


@pytest.fixture
def submission(form_version: FormVersion) -> Submission:
    return submit_application(form_version)


def _status_page(submission: Submission, language: str = "ja") -> str:
    token = status_links.issue(submission)
    page = Client(headers={"accept-language": language}).get(
        reverse("submissions:status", args=[token])
    )
    assert page.status_code == 200
    return page.content.decode().split('<table class="table table-stack"')[1].split("</table>")[0]


def test_the_history_shows_views_by_colleagues_as_one_line_with_how_many_times(
    submission: Submission, staff: StaffMember
) -> None:
    colleague = StaffFactory(
        municipality=staff.municipality, departments=list(staff.departments.all())
    )
    backoffice_services.record_staff_view(staff, submission)
    backoffice_services.record_staff_view(colleague, submission)
    backoffice_services.record_staff_view(staff, submission, part="print")

    history = _status_page(submission)

    assert history.count("職員が閲覧") == 1
    assert "（3回）" in history


def test_every_history_cell_says_what_it_is_for_the_stacked_phone_layout(
    submission: Submission, staff: StaffMember
) -> None:
    backoffice_services.record_staff_view(staff, submission)

    history = _status_page(submission, "en")

    assert history.count("<td") == history.count("data-label=")
    assert 'data-label="Who"' in history


def test_views_of_another_department_stay_separate_lines(
    submission: Submission, staff: StaffMember
) -> None:
    auditor = StaffFactory(
        municipality=staff.municipality,
        role="municipality_admin",
        departments=[DepartmentFactory(municipality=staff.municipality, name="税務課")],
    )
    backoffice_services.record_staff_view(staff, submission)
    backoffice_services.record_staff_view(auditor, submission)

    rows = selectors.access_history([submission], language="ja")

    assert [r.count for r in rows if r.event == VIEWED] == [1, 1]
