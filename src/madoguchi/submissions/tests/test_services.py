"""The resident's journey as services: drafts, steps, attachments, receipt numbers, email."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import selectors, services
from madoguchi.submissions.models import Attachment, Channel, Draft, ReceiptCounter, Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import (
    SIMPLE_ANSWERS,
    SIMPLE_SCHEMA,
    DepartmentFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.files import jpeg_bytes, pdf_bytes, png_bytes
from madoguchi.testing.markers import requires_japanese_catalog

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
APPLICANT_PAGE = {"name": "加賀 太郎", "name_kana": "かが たろう", "email": "taro@example.jp"}
DETAILS_PAGE = {"method": "online", "online_tool": "Zoom", "count": "2"}


PDF = pdf_bytes()
PNG = png_bytes()
JPEG = jpeg_bytes()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
TEXT = "領収書の金額は12,000円です。".encode()

UPLOAD_SCHEMA = {
    "title": "領収書の提出",
    "steps": [
        {
            "key": "documents",
            "title": "書類",
            "fields": [
                {
                    "key": "receipt_file",
                    "type": "file",
                    "label": "領収書",
                    "required": True,
                    "max_size_mb": 0.002,
                },
                {
                    "key": "photo",
                    "type": "file",
                    "label": "写真",
                    "accept": ["image/png", "image/jpeg"],
                },
                {"key": "amount", "type": "number", "label": "金額", "required": True},
            ],
        }
    ],
}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are compared in English; the Japanese text is the translators' to change."""
    with translation.override("en"):
        yield


@pytest.fixture
def upload_form(department: Department) -> FormVersion:
    return publish_form(department=department, slug="receipt", schema=UPLOAD_SCHEMA)


def pdf(
    name: str = "receipt.pdf", content: bytes = PDF, content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def draft_for(form_version: FormVersion, language: str = "ja") -> Draft:
    draft, _token = services.start_draft(form_version=form_version, language=language)
    return draft


def completed_draft(form_version: FormVersion, language: str = "ja") -> Draft:
    draft = draft_for(form_version, language)
    for index, page in enumerate([APPLICANT_PAGE, DETAILS_PAGE]):
        assert services.save_step(draft=draft, step_index=index, data=page, files={}).ok
    return draft


# --- drafts and steps ---------------------------------------------------------------------


def test_a_draft_stores_only_the_hash_of_its_resume_token(form_version: FormVersion) -> None:
    draft, token = services.start_draft(form_version=form_version, language="ja")

    stored = Draft.objects.get(pk=draft.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Draft.objects.filter(pk=draft.pk).values().get())
    assert selectors.draft_by_token(token) == draft


def test_a_draft_can_be_resumed_for_thirty_days(form_version: FormVersion) -> None:
    draft, token = services.start_draft(form_version=form_version, language="ja")

    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert abs(draft.expires_at - draft.created_at - timedelta(days=30)) < timedelta(seconds=5)
    with pytest.raises(Draft.DoesNotExist):
        selectors.draft_by_token(token)


def test_a_valid_page_is_kept_in_the_draft_normalised(form_version: FormVersion) -> None:
    draft = draft_for(form_version)

    result = services.save_step(draft=draft, step_index=0, data=APPLICANT_PAGE, files={})

    draft.refresh_from_db()
    assert result.ok
    assert draft.answers == {
        "name": "加賀 太郎",
        "name_kana": "カガ\u3000タロウ",
        "email": "taro@example.jp",
    }
    assert draft.completed_steps == 1


def test_an_invalid_page_keeps_nothing_and_returns_what_was_typed(
    form_version: FormVersion,
) -> None:
    draft = draft_for(form_version)
    typed = {"name": "加賀 太郎", "name_kana": "加賀 太郎", "email": "taro@"}

    result = services.save_step(draft=draft, step_index=0, data=typed, files={})

    draft.refresh_from_db()
    assert not result.ok
    assert set(result.errors) == {"name_kana", "email"}
    assert result.entered == typed
    assert draft.answers == {}
    assert draft.completed_steps == 0


def test_changing_an_answer_drops_answers_to_questions_that_no_longer_apply(
    form_version: FormVersion,
) -> None:
    draft = completed_draft(form_version)

    services.save_step(draft=draft, step_index=1, data={"method": "visit"}, files={})

    draft.refresh_from_db()
    assert draft.answers["method"] == "visit"
    assert "online_tool" not in draft.answers
    assert draft.completed_steps == 2


# --- attachments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "upload", "content_type"),
    [
        ("receipt_file", pdf(), "application/pdf"),
        ("photo", SimpleUploadedFile("photo.png", PNG, content_type="image/png"), "image/png"),
        ("photo", SimpleUploadedFile("photo.jpg", JPEG, content_type="image/jpeg"), "image/jpeg"),
        # The browser's claim does not matter, the bytes do.
        ("photo", SimpleUploadedFile("photo.jpg", PNG, content_type="image/jpeg"), "image/png"),
    ],
)
def test_a_file_is_accepted_by_what_its_bytes_are(
    upload_form: FormVersion, key: str, upload: SimpleUploadedFile, content_type: str
) -> None:
    draft = draft_for(upload_form)
    files = {"receipt_file": pdf(), key: upload}

    result = services.save_step(draft=draft, step_index=0, data={"amount": "12000"}, files=files)

    attachment = draft.attachments.get(field_key=key)
    draft.refresh_from_db()
    assert result.ok
    assert attachment.content_type == content_type
    assert attachment.sha256 == hashlib.sha256(upload.file.getvalue()).hexdigest()
    assert draft.answers[key] == [attachment.descriptor()]


@pytest.mark.parametrize(
    "upload",
    [
        pdf("setup.pdf", EXE),
        pdf("receipt.pdf", TEXT),
        SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
    ],
    ids=["executable", "text", "pdf-where-only-images-go"],
)
def test_a_file_that_is_not_an_accepted_type_is_refused_whatever_it_claims(
    upload_form: FormVersion, upload: SimpleUploadedFile
) -> None:
    draft = draft_for(upload_form)

    result = services.save_step(
        draft=draft,
        step_index=0,
        data={"amount": "1"},
        files={"receipt_file": pdf(), "photo": upload},
    )

    assert result.errors["photo"][0].startswith("This type of file cannot be attached.")
    assert "PNG" in result.errors["photo"][0]
    assert not draft.attachments.filter(field_key="photo").exists()


def test_a_file_over_the_size_limit_is_refused(upload_form: FormVersion) -> None:
    draft = draft_for(upload_form)
    large = pdf(content=PDF + b"0" * 1024)

    result = services.save_step(
        draft=draft, step_index=0, data={"amount": "1"}, files={"receipt_file": large}
    )

    assert result.errors == {
        "receipt_file": ["The file is too large. Attach a file of 0.002 MB or less."]
    }
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(upload_form: FormVersion) -> None:
    draft = draft_for(upload_form)

    result = services.save_step(
        draft=draft, step_index=0, data={"amount": "1"}, files={"receipt_file": pdf(content=b"")}
    )

    assert result.errors == {"receipt_file": ["The file is empty. Choose the file again."]}


def test_a_valid_attachment_is_kept_while_other_answers_on_the_page_are_fixed(
    upload_form: FormVersion,
) -> None:
    draft = draft_for(upload_form)

    first = services.save_step(
        draft=draft, step_index=0, data={"amount": "たくさん"}, files={"receipt_file": pdf()}
    )
    second = services.save_step(draft=draft, step_index=0, data={"amount": "12000"}, files={})

    attachment = draft.attachments.get()
    draft.refresh_from_db()
    assert list(first.errors) == ["amount"]
    assert first.entered["receipt_file"] == [attachment.descriptor()]
    assert second.ok
    assert draft.answers == {"receipt_file": [attachment.descriptor()], "amount": 12000}


def test_a_new_file_replaces_the_one_attached_before(upload_form: FormVersion) -> None:
    draft = draft_for(upload_form)
    services.save_step(
        draft=draft, step_index=0, data={"amount": "1"}, files={"receipt_file": pdf("old.pdf")}
    )

    services.save_step(
        draft=draft, step_index=0, data={"amount": "1"}, files={"receipt_file": pdf("new.pdf")}
    )

    assert list(draft.attachments.values_list("name", flat=True)) == ["new.pdf"]


def test_a_submitted_draft_hands_its_attachments_to_the_submission(
    upload_form: FormVersion,
) -> None:
    draft = draft_for(upload_form)
    services.save_step(
        draft=draft, step_index=0, data={"amount": "1"}, files={"receipt_file": pdf()}
    )

    submission = services.submit_draft(draft=draft)

    attachment = Attachment.objects.get()
    assert attachment.submission == submission
    assert attachment.draft is None
    assert submission.answers["receipt_file"] == [attachment.descriptor()]


# --- submitting and receipt numbers -------------------------------------------------------


def test_submissions_get_consecutive_receipt_numbers_of_the_municipality_and_year(
    form_version: FormVersion,
) -> None:
    lg_code = form_version.form.municipality.lg_code

    first = services.submit_draft(draft=completed_draft(form_version))
    second = services.submit_draft(draft=completed_draft(form_version))

    assert first.receipt_number == f"{lg_code}-{YEAR}-000001"
    assert second.receipt_number == f"{lg_code}-{YEAR}-000002"


def test_each_municipality_counts_its_own_receipt_numbers(form_version: FormVersion) -> None:
    other_city = publish_form(department=DepartmentFactory())
    submit_application(form_version)

    other = submit_application(other_city)
    third = submit_application(form_version)

    assert other.receipt_number == f"{other_city.form.municipality.lg_code}-{YEAR}-000001"
    assert third.receipt_number.endswith("-000002")


def test_a_submitted_draft_becomes_a_submission_and_is_gone(form_version: FormVersion) -> None:
    draft = completed_draft(form_version, language="en")

    submission = services.submit_draft(draft=draft)

    assert not Draft.objects.filter(pk=draft.pk).exists()
    assert submission.answers == draft.answers
    assert submission.form_version == form_version
    assert submission.department == form_version.form.department
    assert submission.channel == Channel.ONLINE
    assert submission.language == "en"
    assert submission.applicant_name == "加賀 太郎"
    assert submission.contact_email == "taro@example.jp"


def test_a_draft_is_submitted_only_once_even_when_sent_twice(form_version: FormVersion) -> None:
    draft = completed_draft(form_version)
    second_click = Draft.objects.get(pk=draft.pk)
    services.submit_draft(draft=draft)

    with pytest.raises(Draft.DoesNotExist):
        services.submit_draft(draft=second_click)

    assert Submission.objects.count() == 1
    assert not ReceiptCounter.objects.filter(last__gt=1).exists()


def test_answers_are_validated_again_on_submission_and_nothing_is_numbered_when_invalid(
    form_version: FormVersion,
) -> None:
    draft = completed_draft(form_version)
    Draft.objects.filter(pk=draft.pk).update(answers=draft.answers | {"count": 99, "method": "fax"})
    draft.refresh_from_db()

    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_draft(draft=draft)

    assert set(refused.value.errors) == {"count", "method"}
    assert not Submission.objects.exists()
    assert not ReceiptCounter.objects.exists()
    assert Draft.objects.filter(pk=draft.pk).exists()
    assert submit_application(form_version).receipt_number.endswith("-000001")


# --- confirmation email -------------------------------------------------------------------


def test_the_confirmation_email_carries_the_receipt_number_but_no_answers(
    form_version: FormVersion,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    draft = completed_draft(form_version, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_draft(draft=draft)

    (email,) = mailoutbox
    municipality = form_version.form.municipality
    assert email.to == ["taro@example.jp"]
    assert (
        email.subject
        == f"[{municipality.name_en}] Your application was received ({submission.receipt_number})"
    )
    assert submission.receipt_number in email.body
    for answer in ["加賀", "カガ", "Zoom", "taro@example.jp"]:
        assert answer not in email.body


def test_the_confirmation_email_is_in_the_language_of_the_application(
    form_version: FormVersion,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_draft(draft=completed_draft(form_version, language="ja"))
        services.submit_draft(draft=completed_draft(form_version, language="en"))

    japanese, english = mailoutbox
    municipality = form_version.form.municipality
    assert municipality.name in japanese.subject
    assert municipality.name_en in english.subject
    assert municipality.name not in english.subject


@requires_japanese_catalog
def test_the_japanese_confirmation_email_is_written_in_japanese(
    form_version: FormVersion,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_draft(draft=completed_draft(form_version, language="ja"))

    (email,) = mailoutbox
    assert "Your application" not in email.subject
    assert submission.receipt_number in email.subject
    assert "Receipt number" not in email.body


def test_no_email_is_sent_without_an_address(
    form_version: FormVersion,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    answers_without_email = {k: v for k, v in SIMPLE_ANSWERS.items() if k != "email"}

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_answers(form_version=form_version, raw=answers_without_email, language="ja")

    assert mailoutbox == []


# --- the API's door -----------------------------------------------------------------------


def test_answers_sent_in_one_go_are_cleaned_and_submitted(form_version: FormVersion) -> None:
    submission = services.submit_answers(
        form_version=form_version, raw=SIMPLE_ANSWERS | {"count": "３"}, language="en"
    )

    assert submission.answers == SIMPLE_ANSWERS | {"name_kana": "カガ\u3000タロウ", "count": 3}
    assert submission.language == "en"


def test_answers_to_questions_the_form_does_not_ask_are_refused(form_version: FormVersion) -> None:
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_answers(
            form_version=form_version,
            raw=SIMPLE_ANSWERS | {"favourite_colour": "blue"},
            language="en",
        )

    assert refused.value.errors == {
        "favourite_colour": ["This form has no question “favourite_colour”."]
    }
    assert not Submission.objects.exists()


def test_files_cannot_be_sent_in_one_go(upload_form: FormVersion) -> None:
    raw = {"amount": 1, "receipt_file": [{"id": 1, "name": "receipt.pdf"}]}

    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_answers(form_version=upload_form, raw=raw, language="en")

    assert list(refused.value.errors) == ["receipt_file"]


@pytest.mark.parametrize("identity", ["account", "mynumber_auth", "mynumber_sign"])
def test_a_form_that_needs_a_verified_identity_cannot_be_submitted_in_one_go(
    department: Department, identity: str
) -> None:
    form_version = publish_form(
        department=department, schema=SIMPLE_SCHEMA | {"identity": identity}
    )

    with pytest.raises(services.IdentityRequired):
        services.submit_answers(form_version=form_version, raw=SIMPLE_ANSWERS, language="ja")

    assert not Submission.objects.exists()
