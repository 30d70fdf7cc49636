"""The staff side of the workflow: detail page actions, assignment, comments, bulk changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import submit_application
from madoguchi.testing.http import redirect_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(form_version: FormVersion) -> Submission:
    mail.outbox.clear()
    return submit_application(form_version, language="en", name="加賀 太郎")


def _status(submission: Submission) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=submission.pk)


def test_staff_use_the_detail_page_and_a_refusal_keeps_what_they_typed(
    submission: Submission, staff: StaffMember, log_in: Any
) -> None:
    browser = log_in(staff)
    url = reverse("backoffice:change_status", args=[submission.receipt_number])

    refused = browser.post(url, {"to_status": "returned", "reason": "写しが不鮮明です"})
    returned = browser.post(
        url, {"to_status": "returned", "reason": "写しが不鮮明です", "fields": ["name_kana"]}
    )
    page = browser.get(reverse("backoffice:detail", args=[submission.receipt_number]))

    assert refused.status_code == 422
    assert "写しが不鮮明です" in refused.text and "Choose at least one answer" in refused.text
    detail = reverse("backoffice:detail", args=[submission.receipt_number])
    assert redirect_of(returned) == (302, detail)
    assert "Returned for correction" in page.text and "写しが不鮮明です" in page.text


def test_staff_assign_comment_and_bulk_change_from_the_inbox(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    first = submit_application(form_version)
    second = submit_application(form_version)
    browser = log_in(staff)

    browser.post(
        reverse("backoffice:assign", args=[first.receipt_number]),
        {"assignee": str(staff.pk), "due_date": "2026-12-01"},
    )
    browser.post(
        reverse("backoffice:comment", args=[first.receipt_number]), {"body": "電話で確認済み"}
    )
    browser.post(
        reverse("backoffice:bulk_status"),
        {"receipt": [first.receipt_number, second.receipt_number], "to_status": "in_review"},
        follow=True,  # the page that shows what was changed
    )
    mine = browser.get(reverse("backoffice:inbox"), {"assignee": "me"})
    detail = browser.get(reverse("backoffice:detail", args=[first.receipt_number]))

    assert first.receipt_number in mine.text and second.receipt_number not in mine.text
    assert "2026-12-01" in detail.text and "電話で確認済み" in detail.text
    assert {_status(first), _status(second)} == {Status.IN_REVIEW}


def test_the_detail_page_title_is_only_the_receipt_number(
    submission: Submission, staff: StaffMember, log_in: Any
) -> None:
    page = log_in(staff).get(reverse("backoffice:detail", args=[submission.receipt_number]))

    title = page.text.split("<title>")[1].split("</title>")[0]
    assert submission.receipt_number in title
    assert "<" not in title and "Handle this application" not in title
