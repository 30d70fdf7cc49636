"""``madoguchi audit`` finds answers, files and ledger records changed behind the app's back."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from madoguchi.forms.models import FormVersion
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions import integrity, services
from madoguchi.submissions.models import Attachment, Submission
from madoguchi.testing.factories import submit_application

pytestmark = pytest.mark.django_db


def test_intact_submissions_pass(
    form_version: FormVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    submit_application(form_version)
    submit_application(form_version)

    call_command("audit")

    assert "OK: 2 submissions" in capsys.readouterr().out


def test_an_answer_edited_in_the_database_is_named(
    form_version: FormVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    intact = submit_application(form_version)
    edited = submit_application(form_version)
    answers = edited.answers | {"name": "別人 次郎"}
    Submission.objects.filter(pk=edited.pk).update(answers=answers)

    with pytest.raises(CommandError):
        call_command("audit")

    out = capsys.readouterr().out
    assert f"{edited.receipt_number}: answers or attachments differ" in out
    assert intact.receipt_number not in out


def test_a_document_rewritten_to_match_is_still_caught_by_the_ledger(
    form_version: FormVersion,
) -> None:
    """Whoever edits the answers and rewrites the document too cannot rewrite the ledger."""
    submission = submit_application(form_version)
    submission.answers = submission.answers | {"name": "別人 次郎"}
    services.refresh_document(submission)

    problems = integrity.submission_problems(submission)

    assert problems == ["the audit ledger recorded a different document"]


def test_a_changed_attachment_is_named_when_files_are_checked(form_version: FormVersion) -> None:
    submission = submit_application(form_version)
    attachment = Attachment.objects.create(
        submission=submission,
        field_key="name",
        file=ContentFile(b"%PDF-1.7 original", name="a.pdf"),
        name="a.pdf",
        size=17,
        content_type="application/pdf",
        sha256="0" * 64,
    )

    problems = integrity.submission_problems(submission, files=True)

    assert f"the attached file “{attachment.name}” was changed" in problems


def test_a_submission_missing_from_the_ledger_is_named(form_version: FormVersion) -> None:
    submission = submit_application(form_version)
    LedgerEntry.objects.all()._raw_delete(LedgerEntry.objects.db)  # below the app, as an attacker

    assert integrity.submission_problems(submission) == [
        "the audit ledger has no record of this submission"
    ]
