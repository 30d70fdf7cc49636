"""A staff member's look at an application counts once per visit in the resident's history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.backoffice import services
from madoguchi.core import events
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import StaffFactory, submit_application


def _views(submission: Submission) -> list[dict[str, Any]]:
    entries = ledger_selectors.entries_about(
        [events.submission_subject(submission.public_id)], [events.Event.STAFF_VIEWED.value]
    )
    return [{"actor": e.actor} | e.detail for e in entries]


@pytest.fixture
def submission(form_version: Any) -> Submission:
    return submit_application(form_version)


def test_reloading_the_application_page_during_one_visit_records_one_view(
    submission: Submission, staff: StaffMember, log_in: Callable[[StaffMember], Client]
) -> None:
    browser = log_in(staff)
    url = reverse("backoffice:detail", args=[submission.receipt_number])

    for _ in range(8):  # the page, then the redirect back after each action
        assert browser.get(url).status_code == 200

    assert len(_views(submission)) == 1


def test_another_staff_member_opening_it_is_another_view(
    submission: Submission, staff: StaffMember
) -> None:
    colleague = StaffFactory(
        municipality=staff.municipality, departments=list(staff.departments.all())
    )

    services.record_staff_view(staff, submission)
    services.record_staff_view(colleague, submission)
    services.record_staff_view(staff, submission)

    assert len(_views(submission)) == 2


def test_opening_it_again_after_the_visit_is_a_new_view(
    submission: Submission, staff: StaffMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "VIEW_VISIT_MINUTES", 0)

    services.record_staff_view(staff, submission)
    services.record_staff_view(staff, submission)

    assert len(_views(submission)) == 2


def test_opening_a_file_or_the_print_view_is_recorded_every_time(
    submission: Submission, staff: StaffMember
) -> None:
    services.record_staff_view(staff, submission)
    services.record_staff_view(staff, submission, part="attachment")
    services.record_staff_view(staff, submission, part="attachment")
    services.record_staff_view(staff, submission, part="print")

    parts = [v.get("part", "") for v in _views(submission)]
    assert parts == ["", "attachment", "attachment", "print"]
