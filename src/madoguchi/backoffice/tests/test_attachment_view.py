"""Staff open the files a resident attached from the application page, and print it.

The files are served by us under their safe names, with the detected type, sandboxed;
only staff who may see the application may open them, and every opening is recorded
for the resident's access history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.ledger.selectors import entries_about
from madoguchi.submissions.models import Attachment, Submission
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    attach_file,
    submit_application,
)
from madoguchi.testing.files import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

LogIn = Callable[[StaffMember], Client]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def submission(form_version: FormVersion) -> Submission:
    return submit_application(form_version)


def _png(submission: Submission) -> Attachment:
    content = png_bytes()
    found = attach_file(submission, "写真.png", content)
    found.content_type = "image/png"
    found.save(update_fields=["content_type"])
    return found


def _url(submission: Submission, attachment: Attachment) -> str:
    return reverse("backoffice:attachment", args=[submission.receipt_number, attachment.pk])


def _views(submission: Submission) -> list[dict[str, Any]]:
    subject = events.submission_subject(submission.public_id)
    return [e.detail for e in entries_about([subject], [events.Event.STAFF_VIEWED])]


def test_a_pdf_opens_inline_under_its_safe_name_sandboxed_and_framed_only_by_us(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    attachment = attach_file(submission, "領収書.pdf.hta", pdf_bytes())

    response = log_in(staff).get(_url(submission, attachment))

    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert body.startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "%E9%A0%98%E5%8F%8E%E6%9B%B8.pdf" in response["Content-Disposition"]
    assert ".hta" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy and "script-src" not in policy
    assert "no-store" in response["Cache-Control"]


def test_an_image_opens_inline_and_any_file_downloads_when_asked(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    image = _png(submission)
    browser = log_in(staff)

    shown = browser.get(_url(submission, image))
    downloaded = browser.get(_url(submission, image), {"download": "1"})

    assert shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline;")
    assert downloaded["Content-Type"] == "application/octet-stream"
    assert downloaded["Content-Disposition"].startswith("attachment;")


def test_a_file_of_another_type_is_only_downloaded_never_shown(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    other = attach_file(submission, "data.csv", b"a,b\n")
    other.content_type = "text/html"  # whatever a future type check lets through
    other.save(update_fields=["content_type"])

    response = log_in(staff).get(_url(submission, other))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_detail_page_shows_files_beside_their_answer_and_links_the_print_view(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    pdf = attach_file(submission, "領収書.pdf", pdf_bytes())
    image = _png(submission)

    page = log_in(staff).get(reverse("backoffice:detail", args=[submission.receipt_number]))

    assert f'<iframe class="attachment-preview attachment-pdf" src="{_url(submission, pdf)}"' in (
        page.text
    )
    assert f'<img class="attachment-preview" src="{_url(submission, image)}"' in page.text
    assert reverse("backoffice:print", args=[submission.receipt_number]) in page.text


def test_every_opening_of_a_file_and_of_the_print_view_is_recorded_without_the_file_name(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    attachment = attach_file(submission, "領収書.pdf", pdf_bytes())
    browser = log_in(staff)

    browser.get(_url(submission, attachment))
    browser.get(_url(submission, attachment), {"download": "1"})
    browser.get(reverse("backoffice:print", args=[submission.receipt_number]))

    parts = [detail.get("part") for detail in _views(submission)]
    assert parts == ["attachment", "attachment", "print"]
    assert "領収書" not in str(_views(submission))


def test_another_departments_clerk_gets_404_for_the_file_and_the_print_view(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    attachment = attach_file(submission, "領収書.pdf", pdf_bytes())
    elsewhere = DepartmentFactory(municipality=staff.municipality)
    stranger = StaffFactory(municipality=staff.municipality, departments=[elsewhere])
    browser = log_in(stranger)

    file = browser.get(_url(submission, attachment))
    printed = browser.get(reverse("backoffice:print", args=[submission.receipt_number]))

    assert file.status_code == 404 and printed.status_code == 404
    assert _views(submission) == []


def test_a_file_of_another_application_is_not_found_under_this_one(
    form_version: FormVersion, submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    other = submit_application(form_version)
    theirs = attach_file(other, "領収書.pdf", pdf_bytes())

    response = log_in(staff).get(_url(submission, theirs))

    assert response.status_code == 404


def test_read_only_staff_who_see_the_detail_page_open_its_files_and_print_it(
    submission: Submission, department: Any, log_in: LogIn
) -> None:
    attachment = attach_file(submission, "領収書.pdf", pdf_bytes())
    reader = StaffFactory(
        municipality=department.municipality, departments=[department], role=StaffRole.READ_ONLY
    )
    browser = log_in(reader)

    detail = browser.get(reverse("backoffice:detail", args=[submission.receipt_number]))
    file = browser.get(_url(submission, attachment))
    printed = browser.get(reverse("backoffice:print", args=[submission.receipt_number]))

    assert detail.status_code == file.status_code == printed.status_code == 200


def test_the_print_view_has_the_approval_boxes_answers_and_wareki_date_and_no_script(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    attach_file(submission, "領収書.pdf", pdf_bytes())

    page = Client(headers={"accept-language": "ja"})
    page.cookies = log_in(staff).cookies
    response = page.get(reverse("backoffice:print", args=[submission.receipt_number]))

    assert response.status_code == 200
    assert 'data-testid="approval-boxes"' in response.text
    assert "加賀 太郎" in response.text and "領収書.pdf" in response.text
    assert "令和" in response.text
    assert "<script" not in response.text
    assert "print.css" in response.text


def test_previews_the_detail_page_shows_count_in_its_view_and_do_not_add_rows(
    submission: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    attachment = attach_file(submission, "領収書.pdf", pdf_bytes())
    browser = log_in(staff)

    browser.get(reverse("backoffice:detail", args=[submission.receipt_number]))
    browser.get(_url(submission, attachment), headers={"Sec-Fetch-Dest": "iframe"})
    browser.get(_url(submission, attachment), headers={"Sec-Fetch-Dest": "document"})

    assert [(d.get("part"), d.get("files")) for d in _views(submission)] == [
        (None, "1"),
        ("attachment", None),
    ]
