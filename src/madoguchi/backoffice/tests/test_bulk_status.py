"""The inbox's bulk action offers and accepts only transitions the selected statuses allow."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import submit_application

pytestmark = pytest.mark.django_db

INBOX = reverse("backoffice:inbox")
BULK = reverse("backoffice:bulk_status")


def offered(page: str) -> list[str]:
    select = page.split('id="bulk-status"')[1].split("</select>")[0]
    return re.findall(r'<option value="([a-z_]+)"', select)


def status_of(submission: Submission) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=submission.pk)


def test_a_page_of_new_submissions_offers_only_what_follows_received(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    submit_application(form_version)

    page = log_in(staff).get(INBOX).text

    assert offered(page) == [Status.IN_REVIEW, Status.REJECTED]


def test_each_row_names_the_statuses_it_can_move_to(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    reviewing = submit_application(form_version)
    workflow.change_status(submission=reviewing, to_status=Status.IN_REVIEW, staff=staff)

    page = log_in(staff).get(INBOX).text

    assert 'data-transitions="approved rejected"' in page
    assert offered(page) == [Status.APPROVED, Status.REJECTED]


def test_a_bulk_change_some_selected_submissions_cannot_make_changes_none_of_them(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    new = submit_application(form_version)
    reviewing = submit_application(form_version)
    workflow.change_status(submission=reviewing, to_status=Status.IN_REVIEW, staff=staff)
    browser = log_in(staff)

    response = browser.post(
        BULK,
        {"receipt": [new.receipt_number, reviewing.receipt_number], "to_status": "approved"},
        follow=True,
    )

    assert status_of(new) == Status.RECEIVED
    assert status_of(reviewing) == Status.IN_REVIEW
    assert "Nothing was changed" in response.text
    assert new.receipt_number in response.text.split("Nothing was changed")[1]


@pytest.mark.parametrize("target", [Status.RETURNED, Status.RESUBMITTED, "bogus"])
def test_a_bulk_change_to_a_status_never_offered_is_refused(
    form_version: FormVersion, staff: StaffMember, log_in: Any, target: str
) -> None:
    reviewing = submit_application(form_version)
    workflow.change_status(submission=reviewing, to_status=Status.IN_REVIEW, staff=staff)

    response = log_in(staff).post(
        BULK, {"receipt": [reviewing.receipt_number], "to_status": target}, follow=True
    )

    assert status_of(reviewing) == Status.IN_REVIEW
    assert "Nothing was changed" in response.text
