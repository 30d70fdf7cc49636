"""Staff forms show every problem of what was entered at once, and save nothing then."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.testing.factories import StaffFactory, submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewing(form_version: FormVersion, staff: StaffMember) -> Submission:
    submission = submit_application(form_version)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    return submission


def test_a_return_without_reason_or_answers_names_both_problems(
    reviewing: Submission, staff: StaffMember, log_in: Any
) -> None:
    url = reverse("backoffice:change_status", args=[reviewing.receipt_number])

    response = log_in(staff).post(url, {"to_status": "returned", "reason": ""})

    assert response.status_code == 422
    assert "Give a reason. The applicant will read it." in response.text
    assert "Choose at least one answer the applicant should correct." in response.text
    assert Submission.objects.get(pk=reviewing.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize("chosen", ["", "bogus"])
def test_a_status_change_without_a_valid_status_is_a_clear_refusal(
    reviewing: Submission, staff: StaffMember, log_in: Any, chosen: str
) -> None:
    url = reverse("backoffice:change_status", args=[reviewing.receipt_number])

    response = log_in(staff).post(url, {"to_status": chosen})

    assert response.status_code == 422
    assert "Choose the new status." in response.text


def test_an_assignment_with_a_wrong_colleague_and_date_names_both_and_saves_nothing(
    reviewing: Submission, staff: StaffMember, log_in: Any
) -> None:
    url = reverse("backoffice:assign", args=[reviewing.receipt_number])

    response = log_in(staff).post(url, {"assignee": "999999", "due_date": "2026-13-40"})

    assert response.status_code == 422
    assert "Choose a colleague from the list." in response.text
    assert "Enter the due date as a date such as 2026-12-01." in response.text
    stored = Submission.objects.get(pk=reviewing.pk)
    assert stored.assignee is None and stored.due_date is None


def test_a_read_only_colleague_is_refused_as_assignee_before_anything_is_saved(
    reviewing: Submission, staff: StaffMember, log_in: Any
) -> None:
    reader = StaffFactory(
        municipality=staff.municipality,
        role=StaffRole.READ_ONLY,
        departments=list(staff.departments.all()),
    )
    url = reverse("backoffice:assign", args=[reviewing.receipt_number])

    response = log_in(staff).post(url, {"assignee": str(reader.pk), "due_date": "2026-12-01"})

    assert response.status_code == 422
    assert Submission.objects.get(pk=reviewing.pk).due_date is None


def test_each_problem_links_to_its_input_which_is_marked_and_keeps_what_was_typed(
    reviewing: Submission, staff: StaffMember, log_in: Any
) -> None:
    url = reverse("backoffice:assign", args=[reviewing.receipt_number])

    page = log_in(staff).post(url, {"assignee": "999999", "due_date": "2026-13-40"}).text

    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#assignee">Assigned to: Choose a colleague from the list.</a>' in summary
    assert '<a href="#due_date">Due date: Enter the due date as a date' in summary
    assert 'aria-invalid="true" aria-describedby="assignee-error"' in page
    assert 'id="due_date-error"' in page and 'value="2026-13-40"' in page


def test_a_refused_status_change_links_the_workflow_s_reasons_to_the_form_and_keeps_them(
    reviewing: Submission, staff: StaffMember, log_in: Any
) -> None:
    url = reverse("backoffice:change_status", args=[reviewing.receipt_number])

    page = log_in(staff).post(url, {"to_status": "rejected", "reason": ""}).text

    assert '<a href="#workflow-title">Handle this application: Give a reason.' in page
    assert 'id="to-rejected" name="to_status" value="rejected" checked' in page
