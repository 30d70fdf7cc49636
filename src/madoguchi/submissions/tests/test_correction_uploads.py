"""Files sent while correcting a returned application wait on the correction until it is sent.

Before, they joined the submission at once: a correction that failed or was never sent
left a file that staff saw and exported with the application, that its recorded document
did not name, and that ``madoguchi audit`` did not notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import corrections, integrity, retention, services, workflow
from madoguchi.submissions.models import Attachment, Correction, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import attach_file, publish_form
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

SCHEMA = {
    "title": "領収書の提出",
    "steps": [
        {
            "key": "documents",
            "title": "書類",
            "fields": [
                {"key": "receipt_file", "type": "file", "label": "領収書", "required": True},
                {"key": "amount", "type": "number", "label": "金額", "required": True},
            ],
        }
    ],
}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def submission(department: Department) -> Submission:
    form_version: FormVersion = publish_form(department=department, slug="receipt", schema=SCHEMA)
    draft, _token = services.start_draft(form_version=form_version, language="ja")
    files = {"receipt_file": pdf("first.pdf", "最初の領収書")}
    assert services.save_step(draft=draft, step_index=0, data={"amount": "1200"}, files=files).ok
    return services.submit_draft(draft=draft)


@pytest.fixture
def correction(submission: Submission, staff: StaffMember) -> Correction:
    correction, _token = workflow.return_for_correction(
        submission=submission,
        staff=staff,
        reason="領収書が読めません。",
        fields=["receipt_file", "amount"],
    )
    return correction


def pdf(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def names(submission: Submission) -> list[str]:
    return list(submission.attachments.values_list("name", flat=True))


def test_a_file_sent_with_a_correction_that_fails_stays_off_the_submission(
    submission: Submission, correction: Correction
) -> None:
    result = corrections.check_correction(
        correction=correction,
        data={"amount": "たくさん"},
        files={"receipt_file": pdf("second.pdf", "二枚目")},
    )

    assert not result.ok
    assert names(submission) == ["first.pdf"]
    assert list(correction.pending_attachments.values_list("name", flat=True)) == ["second.pdf"]
    assert integrity.submission_problems(submission, files=True) == []


def test_a_retry_without_choosing_the_file_again_sends_the_file_chosen_first(
    submission: Submission, correction: Correction
) -> None:
    corrections.check_correction(
        correction=correction,
        data={"amount": "たくさん"},
        files={"receipt_file": pdf("second.pdf", "二枚目")},
    )

    corrections.resubmit(correction=correction, data={"amount": "1300"}, files={})

    submission.refresh_from_db()
    assert names(submission) == ["second.pdf"]
    assert submission.answers["receipt_file"][0]["name"] == "second.pdf"
    assert integrity.submission_problems(submission, files=True) == []


def test_a_resent_correction_swaps_the_file_and_keeps_the_replaced_one_as_history(
    submission: Submission, correction: Correction
) -> None:
    first = submission.attachments.get()

    result = corrections.resubmit(
        correction=correction,
        data={"amount": "1300"},
        files={"receipt_file": pdf("second.pdf", "二枚目")},
    )

    submission.refresh_from_db()
    correction.refresh_from_db()
    first.refresh_from_db()
    assert result.ok
    assert names(submission) == ["second.pdf"]
    assert first.submission is None
    assert first.superseded_by == correction
    assert correction.previous_answers["receipt_file"][0]["name"] == "first.pdf"
    assert not correction.pending_attachments.exists()
    assert integrity.submission_problems(submission, files=True) == []


def test_files_of_a_correction_never_sent_are_purged_when_it_expires(
    submission: Submission, correction: Correction
) -> None:
    corrections.check_correction(
        correction=correction, data={}, files={"receipt_file": pdf("second.pdf", "二枚目")}
    )
    Correction.objects.filter(pk=correction.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )

    report = retention.purge()

    assert report.correction_files == 1
    assert names(submission) == ["first.pdf"]
    assert Attachment.objects.count() == 1


def test_the_audit_names_a_file_attached_to_a_submission_but_not_in_its_document(
    submission: Submission, capsys: pytest.CaptureFixture[str]
) -> None:
    attach_file(submission, "追加.pdf.hta", pdf_bytes("追加"), field_key="receipt_file")

    with pytest.raises(CommandError):
        call_command("audit")

    out = capsys.readouterr().out
    assert (
        f"{submission.receipt_number}: the file “追加.pdf” (question receipt_file) "
        "is attached but not in the recorded document"
    ) in out


def test_a_file_of_a_question_that_no_longer_applies_does_not_join_the_submission(
    department: Department,
) -> None:
    schema = {
        "title": "添付",
        "steps": [
            {
                "key": "s",
                "title": "書類",
                "fields": [
                    {
                        "key": "has_receipt",
                        "type": "choice",
                        "label": "領収書",
                        "options": [
                            {"value": "yes", "label": "有"},
                            {"value": "no", "label": "無"},
                        ],
                    },
                    {
                        "key": "receipt_file",
                        "type": "file",
                        "label": "領収書",
                        "visible_if": {"==": [{"var": "has_receipt"}, "yes"]},
                    },
                ],
            }
        ],
    }
    form_version = publish_form(department=department, slug="cond", schema=schema)
    draft, _token = services.start_draft(form_version=form_version, language="ja")
    services.save_step(
        draft=draft,
        step_index=0,
        data={"has_receipt": "yes"},
        files={"receipt_file": pdf("r.pdf", "r")},
    )
    assert services.save_step(draft=draft, step_index=0, data={"has_receipt": "no"}, files={}).ok

    submission = services.submit_draft(draft=draft)

    assert "receipt_file" not in submission.answers
    assert names(submission) == []
    assert integrity.submission_problems(submission) == []


def test_a_result_staff_deliver_is_stored_and_offered_under_a_safe_pdf_name(
    submission: Submission, staff: StaffMember
) -> None:
    workflow.change_status(submission=submission, to_status="in_review", staff=staff)
    workflow.change_status(submission=submission, to_status="approved", staff=staff)

    document = workflow.deliver_result(
        submission=submission, staff=staff, upload=pdf("決定通知書.pdf.exe", "決定")
    )

    assert document.name == "決定通知書.pdf"
    assert document.file.name.endswith(".pdf")
    assert "決定" not in document.file.name
