"""差し戻し from the applicant's side: a change is required, and they check it before sending.

The link is used up only when the correction is sent from the review page; the email
names the questions to correct and the deadline; staff read the history as labels and
readable values, before → after.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    attach_file,
    publish_form,
    submit_application,
)
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(form_version: FormVersion) -> Submission:
    mail.outbox.clear()
    return submit_application(form_version, language="ja", name="加賀 太郎")


def _return(submission: Submission, staff: StaffMember, fields: list[str], capture: Any) -> str:
    with capture(execute=True):
        _fix, token = workflow.return_for_correction(
            submission=submission, staff=staff, reason="フリガナを確認してください。", fields=fields
        )
    return token


def _urls(token: str) -> tuple[str, str]:
    return (
        reverse("submissions:correction", args=[token]),
        reverse("submissions:correction_review", args=[token]),
    )


def test_sending_the_same_answers_back_is_refused_and_uses_nothing_up(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    token = _return(submission, staff, ["name_kana"], django_capture_on_commit_callbacks)
    form_url, review_url = _urls(token)
    resident = Client(HTTP_ACCEPT_LANGUAGE="ja")

    same = resident.post(form_url, {"name_kana": submission.answers["name_kana"]})
    review = resident.get(review_url)

    assert same.status_code == 422
    assert "修正を依頼された回答が変更されていません" in same.text
    assert review.status_code == 302 and review["Location"] == form_url
    correction = submission.corrections.get()
    assert correction.resubmitted_at is None and correction.pending_answers == {}
    assert Submission.objects.get(pk=submission.pk).status == Status.RETURNED
    assert resident.get(form_url).status_code == 200


def test_the_applicant_checks_before_after_and_the_link_is_used_up_only_when_sent(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    token = _return(submission, staff, ["name_kana"], django_capture_on_commit_callbacks)
    form_url, review_url = _urls(token)
    resident = Client(HTTP_ACCEPT_LANGUAGE="ja")

    checked = resident.post(form_url, {"name_kana": "カガ ジロウ"})
    review = resident.get(review_url)
    back = resident.get(form_url)
    still_returned = Submission.objects.get(pk=submission.pk).status
    with django_capture_on_commit_callbacks(execute=True):
        sent = resident.post(review_url)

    assert checked.status_code == 302 and checked["Location"] == review_url
    assert review.status_code == 200
    assert "<dt>フリガナ</dt>" in review.text and ">name_kana<" not in review.text
    assert (
        f"<del>{submission.answers['name_kana']}</del>" in review.text
        and "<ins>カガ\u3000ジロウ</ins>" in review.text
    )
    assert 'value="カガ\u3000ジロウ"' in back.text  # 変更する keeps what was typed
    assert still_returned == Status.RETURNED
    assert sent.status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == Status.RESUBMITTED
    assert resident.get(review_url).status_code == 404
    assert resident.get(form_url).status_code == 404


def test_the_correction_email_lists_the_questions_to_fix_and_the_wareki_deadline(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    _return(submission, staff, ["name_kana", "method"], django_capture_on_commit_callbacks)

    body = mail.outbox[-1].body
    correction = submission.corrections.get()

    assert "- フリガナ\n- 方法\n" in body
    assert "name_kana" not in body
    assert "令和" in body and f"（{correction.expires_at.year}年）" in body


def test_staff_history_shows_labels_and_readable_values_before_and_after(
    form_version: FormVersion,
    staff: StaffMember,
    log_in: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    submission = submit_application(form_version, method="visit")
    token = _return(
        submission, staff, ["method", "online_tool"], django_capture_on_commit_callbacks
    )
    form_url, review_url = _urls(token)
    resident = Client(HTTP_ACCEPT_LANGUAGE="ja")
    resident.post(form_url, {"method": "online", "online_tool": "Zoom"})
    resident.post(review_url)

    page = log_in(staff).get(reverse("backoffice:detail", args=[submission.receipt_number]))

    history = page.text.split('data-testid="correction-diff"')[1].split("</details>")[0]
    assert "<dt>方法</dt>" in history
    assert "<del>来所</del>" in history and "<ins>オンライン</ins>" in history
    assert "<dt>利用するツール</dt>" in history and "<ins>Zoom</ins>" in history
    assert "method" not in history and "{" not in history


FILE_SCHEMA: dict[str, Any] = {
    **SIMPLE_SCHEMA,
    "steps": [
        *SIMPLE_SCHEMA["steps"],
        {
            "key": "files",
            "title": "書類",
            "fields": [{"key": "documents", "type": "file", "label": "領収書"}],
        },
    ],
}


def test_a_replaced_file_reads_as_its_file_names_in_the_staff_history(
    staff: StaffMember,
    department: Any,
    log_in: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    version = publish_form(department=department, slug="with-files", schema=FILE_SCHEMA)
    submission = submit_application(version)
    first = attach_file(submission, "receipt.pdf", pdf_bytes())
    submission.answers["documents"] = [first.descriptor()]
    submission.save(update_fields=["answers"])
    token = _return(submission, staff, ["documents"], django_capture_on_commit_callbacks)
    form_url, review_url = _urls(token)
    resident = Client(HTTP_ACCEPT_LANGUAGE="ja")

    resident.post(
        form_url,
        {"documents": SimpleUploadedFile("新しい領収書.pdf", pdf_bytes("new"), "application/pdf")},
    )
    review = resident.get(review_url)
    resident.post(review_url)

    page = log_in(staff).get(reverse("backoffice:detail", args=[submission.receipt_number]))

    assert "<del>receipt.pdf</del>" in review.text and "<ins>新しい領収書.pdf</ins>" in review.text
    history = page.text.split('data-testid="correction-diff"')[1].split("</details>")[0]
    assert "<dt>領収書</dt>" in history
    assert "<del>receipt.pdf</del>" in history and "<ins>新しい領収書.pdf</ins>" in history
    assert "sha256" not in history and "'id'" not in history
