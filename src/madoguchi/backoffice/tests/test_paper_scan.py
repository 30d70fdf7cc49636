"""The scan of a paper taken in by post: shown to staff who may see it, recorded, sandboxed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions import received
from madoguchi.submissions.models import Channel, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import SIMPLE_ANSWERS, DepartmentFactory, StaffFactory
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

CONTENT = pdf_bytes("申請書")


def paper(form_version: FormVersion, staff: StaffMember, *, scan: bool = True) -> Submission:
    return received.submit_received(
        form_version=form_version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=timezone.localdate(),
        staff=staff,
        paper_scan=SimpleUploadedFile("a.pdf", CONTENT) if scan else None,
    )


def test_staff_open_the_scan_from_the_submission_page_and_the_opening_is_recorded(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    submission = paper(form_version, staff)
    browser = log_in(staff)
    url = reverse("backoffice:paper_scan", args=[submission.receipt_number])
    assert url in browser.get(reverse("backoffice:detail", args=[submission.receipt_number])).text
    response = browser.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    assert LedgerEntry.objects.filter(
        event=events.Event.STAFF_VIEWED, detail__part="paper_scan"
    ).exists()


def test_the_scan_is_not_found_for_another_department_or_without_one(
    form_version: FormVersion, staff: StaffMember, log_in: Any
) -> None:
    scanned = paper(form_version, staff)
    unscanned = paper(form_version, staff, scan=False)
    other = DepartmentFactory(municipality=form_version.form.municipality)
    outsider = StaffFactory(municipality=other.municipality, departments=[other])
    assert (
        log_in(outsider)
        .get(reverse("backoffice:paper_scan", args=[scanned.receipt_number]))
        .status_code
        == 404
    )
    assert (
        log_in(staff)
        .get(reverse("backoffice:paper_scan", args=[unscanned.receipt_number]))
        .status_code
        == 404
    )
