"""A paper application taken in by staff becomes a submission like an online one."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from madoguchi.core import events
from madoguchi.submissions import integrity, received, selectors, services, status_links, uploads
from madoguchi.submissions.models import Channel, Status
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import SIMPLE_ANSWERS, StaffFactory, publish_form
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
ARRIVED = date(YEAR, 1, 6)


def staff_for(version: object) -> StaffMember:
    department = version.form.department  # type: ignore[attr-defined]
    staff: StaffMember = StaffFactory(
        municipality=department.municipality, departments=[department]
    )
    return staff


def test_a_paper_gets_the_next_receipt_number_its_date_of_arrival_and_the_mail_channel() -> None:
    version = publish_form()
    staff = staff_for(version)
    first = services.submit_answers(form_version=version, raw=SIMPLE_ANSWERS, language="ja")
    paper = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=ARRIVED,
        staff=staff,
        enclosures=["返信用封筒"],
    )
    lg_code = version.form.municipality.lg_code
    assert first.receipt_number == f"{lg_code}-{YEAR}-000001"
    assert paper.receipt_number == f"{lg_code}-{YEAR}-000002"
    paper.refresh_from_db()
    assert paper.channel == Channel.MAIL
    assert paper.received_on == ARRIVED
    assert paper.status == Status.RECEIVED
    assert paper.enclosures_received == ["返信用封筒"]
    assert paper.applicant_name == "加賀 太郎"
    assert integrity.submission_problems(paper) == []


def test_the_submitted_event_names_the_mail_channel_and_the_staff_member_who_took_it_in() -> None:
    version = publish_form()
    staff = staff_for(version)
    paper = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=ARRIVED,
        staff=staff,
    )
    (entry,) = selectors.document_entries(paper)
    assert entry.event == events.Event.SUBMITTED
    assert entry.detail["channel"] == "mail"
    assert entry.detail["document"] == paper.document_sha256
    assert entry.actor == events.pseudonym("staff", staff.pk)


def test_a_paper_enters_the_same_inbox_as_online_applications() -> None:
    version = publish_form()
    staff = staff_for(version)
    paper = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=ARRIVED,
        staff=staff,
    )
    assert list(selectors.inbox_for(staff)) == [paper]


def test_answers_that_no_longer_pass_are_refused_and_no_number_is_used() -> None:
    version = publish_form()
    staff = staff_for(version)
    with pytest.raises(services.SubmissionRefused) as refused:
        received.submit_received(
            form_version=version,
            answers={**SIMPLE_ANSWERS, "name": ""},
            channel=Channel.MAIL,
            received_on=ARRIVED,
            staff=staff,
        )
    assert "name" in refused.value.errors
    again = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=ARRIVED,
        staff=staff,
    )
    assert again.receipt_number.endswith("-000001")


def test_the_scan_of_the_paper_is_kept_with_its_hash_outside_the_applicants_files() -> None:
    version = publish_form()
    staff = staff_for(version)
    content = pdf_bytes("申請書")
    scan = SimpleUploadedFile("加賀太郎.pdf", content, content_type="application/pdf")
    assert uploads.paper_scan_problem(scan) is None
    paper = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=ARRIVED,
        staff=staff,
        paper_scan=scan,
    )
    paper.refresh_from_db()
    assert paper.paper_scan_sha256 == hashlib.sha256(content).hexdigest()
    assert "加賀" not in paper.paper_scan.name
    assert paper.paper_scan.read() == content
    assert paper.attachments.count() == 0
    assert integrity.submission_problems(paper) == []


def test_a_scan_that_is_not_a_pdf_is_refused() -> None:
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-<html>", content_type="application/pdf")
    problem = uploads.paper_scan_problem(scan)
    assert problem is not None
    assert not problem.retry_later


def test_only_paper_channels_are_taken_in_this_way() -> None:
    version = publish_form()
    with pytest.raises(ValueError, match="paper channels"):
        received.submit_received(
            form_version=version,
            answers=SIMPLE_ANSWERS,
            channel=Channel.ONLINE,
            received_on=ARRIVED,
            staff=staff_for(version),
        )


def test_the_link_the_applicant_already_holds_opens_the_submissions_status_page() -> None:
    version = publish_form()
    token = "the-mail-in-link"
    paper = received.submit_received(
        form_version=version,
        answers=SIMPLE_ANSWERS,
        channel=Channel.MAIL,
        received_on=ARRIVED,
        staff=staff_for(version),
        status_link_hash=services.hash_token(token),
    )
    assert status_links.submission_by_token(token) == paper
