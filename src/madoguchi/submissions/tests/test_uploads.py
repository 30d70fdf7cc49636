"""Uploads: type by content, safe names, virus scanning, disk limits and clean-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone, translation

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import retention, scanners, services
from madoguchi.submissions.models import Attachment, Draft
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import EICAR, jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

PDF = pdf_bytes("領収書")
SCHEMA = {
    "title": "領収書の提出",
    "steps": [
        {
            "key": "documents",
            "title": "書類",
            "fields": [
                {"key": "receipt_file", "type": "file", "label": "領収書", "required": True},
                {
                    "key": "photo",
                    "type": "file",
                    "label": "写真",
                    "accept": ["image/png", "image/jpeg"],
                },
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
def upload_form(department: Department) -> FormVersion:
    return publish_form(department=department, slug="receipt", schema=SCHEMA)


@pytest.fixture
def draft(upload_form: FormVersion) -> Draft:
    draft, _token = services.start_draft(form_version=upload_form, language="ja")
    return draft


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media_root: Path) -> list[Path]:
    return sorted(p for p in media_root.rglob("*") if p.is_file())


def attach(draft: Draft, key: str, file: SimpleUploadedFile) -> list[str]:
    result = services.save_step(draft=draft, step_index=0, data={}, files={key: file})
    return result.errors.get(key, [])


# --- names and types ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "領収書.pdf.hta",
        "領収書.bat",
        "領収書.html",
        "領収書\u202eath.pdf",
        "C:\\Users\\taro\\領収書.pdf",
    ],
)
def test_a_pdf_is_stored_and_shown_as_a_pdf_whatever_the_resident_named_it(
    draft: Draft, media_root: Path, name: str
) -> None:
    attach(draft, "receipt_file", upload(name, PDF, "application/hta"))

    attachment = draft.attachments.get()
    draft.refresh_from_db()
    assert attachment.name.startswith("領収書")
    assert attachment.name.endswith(".pdf")
    assert attachment.name.count(".") == 1
    assert attachment.display_name == attachment.name
    assert draft.answers["receipt_file"][0]["name"] == attachment.name
    # On disk (or as an object key) the file has a random name and the type's extension.
    [path] = stored_files(media_root)
    assert path.suffix == ".pdf"
    assert "領収書" not in str(path)


def test_a_png_sent_as_photo_jpg_is_named_png(draft: Draft) -> None:
    attach(draft, "photo", upload("photo.jpg", png_bytes(), "image/jpeg"))

    assert draft.attachments.get().name == "photo.png"


@pytest.mark.parametrize(
    ("key", "content", "kind"),
    [
        ("receipt_file", b"%PDF-1.7\n<html><script>alert(1)</script></html>", "PDF"),
        ("receipt_file", PDF[: len(PDF) // 2], "PDF"),
        ("photo", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>", "JPEG"),
        ("photo", jpeg_bytes()[:-60], "JPEG"),
        ("photo", png_bytes()[:-16], "PNG"),
    ],
    ids=["html-behind-pdf-header", "cut-pdf", "html-behind-jpeg-header", "cut-jpeg", "cut-png"],
)
def test_a_file_that_starts_like_an_accepted_type_but_does_not_read_as_one_is_refused(
    draft: Draft, media_root: Path, key: str, content: bytes, kind: str
) -> None:
    errors = attach(draft, key, upload("scan.html", content))

    assert errors[0].startswith(f"The file could not be read as {kind}")
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


# --- virus scanning ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [EICAR, pdf_bytes(comment=EICAR)], ids=["eicar-file", "pdf-carrying-eicar"]
)
def test_a_file_with_a_virus_is_quarantined_with_a_message_and_nothing_stored(
    draft: Draft,
    media_root: Path,
    clamd_scanning: Path,
    caplog: pytest.LogCaptureFixture,
    content: bytes,
) -> None:
    with caplog.at_level(logging.WARNING, logger="madoguchi.submissions.uploads"):
        errors = attach(draft, "receipt_file", upload("加賀太郎_住民票.pdf", content))

    assert errors[0].startswith("A virus was found in this file, so it was not saved.")
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []
    [record] = caplog.records
    # What was found and the file's hash; not the resident's file name.
    assert "Madoguchi.Test.EICAR" in record.getMessage()
    assert "加賀" not in record.getMessage()
    assert "住民票" not in record.getMessage()


def test_a_clean_file_passes_the_scan_and_is_stored(draft: Draft, clamd_scanning: Path) -> None:
    errors = attach(draft, "receipt_file", upload("receipt.pdf", PDF))

    assert errors == []
    assert draft.attachments.get().name == "receipt.pdf"


def test_clamd_configured_but_unreachable_refuses_the_upload_until_it_is_back(
    draft: Draft, media_root: Path, settings: Any, tmp_path: Path
) -> None:
    settings.MADOGUCHI_VIRUS_SCANNER = "clamd"
    settings.MADOGUCHI_CLAMD_SOCKET = str(tmp_path / "no-clamd-here.sock")

    result = services.save_step(
        draft=draft, step_index=0, data={}, files={"receipt_file": upload("receipt.pdf", PDF)}
    )

    assert result.retry_later
    assert result.errors["receipt_file"][0].startswith("Files cannot be checked for viruses")
    assert "try again" in result.errors["receipt_file"][0]
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_step_page_answers_503_while_the_scanner_is_down(
    upload_form: FormVersion, settings: Any, tmp_path: Path
) -> None:
    settings.MADOGUCHI_VIRUS_SCANNER = "clamd"
    settings.MADOGUCHI_CLAMD_SOCKET = "127.0.0.1:9"  # discard port: nothing answers
    client = Client(headers={"accept-language": "en"})
    token = _start(client, upload_form)

    response = client.post(step_url(token), {"receipt_file": upload("receipt.pdf", PDF)})

    assert response.status_code == 503
    assert "Files cannot be checked for viruses" in response.content.decode()


def test_an_unknown_scanner_name_is_a_clear_error_and_none_lets_files_through() -> None:
    with pytest.raises(LookupError, match="no virus scanner named 'sophos'"):
        scanners.scanner("sophos")

    assert scanners.scanner("none").scan(SimpleUploadedFile("a", b"x")) == scanners.Clean()
    assert scanners.scanner_names() == ["clamd", "none"]


# --- disk and limits ---------------------------------------------------------------------


def test_a_replaced_file_is_deleted_from_storage_once_the_replacement_is_committed(
    draft: Draft, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(10):
            attach(draft, "receipt_file", upload(f"{number}.pdf", pdf_bytes(str(number))))

    assert list(draft.attachments.values_list("name", flat=True)) == ["9.pdf"]
    assert [p.name for p in stored_files(media_root)] == [
        Path(draft.attachments.get().file.name).name
    ]


def test_a_draft_refuses_files_after_its_upload_count(draft: Draft, settings: Any) -> None:
    settings.MADOGUCHI_UPLOADS_PER_DRAFT = 3
    for number in range(3):
        assert attach(draft, "receipt_file", upload(f"{number}.pdf", PDF)) == []

    errors = attach(draft, "receipt_file", upload("3.pdf", PDF))

    assert errors[0].startswith("Too many files were sent for this application.")
    assert draft.attachments.get().name == "2.pdf"
    assert Draft.objects.get(pk=draft.pk).upload_count == 3


def test_a_draft_refuses_files_that_together_pass_its_size_limit(
    draft: Draft, settings: Any
) -> None:
    photo = png_bytes((200, 200))
    settings.MADOGUCHI_DRAFT_UPLOAD_MB = (len(PDF) + len(photo) - 1) / (1024 * 1024)
    attach(draft, "receipt_file", upload("receipt.pdf", PDF))

    errors = attach(draft, "photo", upload("photo.png", photo, "image/png"))

    assert errors[0].startswith("The attached files together are larger than")
    assert list(draft.attachments.values_list("field_key", flat=True)) == ["receipt_file"]


def _start(client: Client, form_version: FormVersion) -> str:
    form = form_version.form
    response = client.post(
        reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])
    )
    token: str = resolve(response.url).kwargs["token"]
    return token


def step_url(token: str) -> str:
    return reverse("submissions:step", kwargs={"token": token, "number": 1})


def test_requests_with_files_from_one_client_are_rate_limited(
    upload_form: FormVersion, settings: Any, media_root: Path
) -> None:
    settings.MADOGUCHI_RATE_LIMITS = settings.MADOGUCHI_RATE_LIMITS | {"upload": 2}
    cache.clear()
    client = Client(headers={"accept-language": "en"})
    token = _start(client, upload_form)

    statuses = [
        client.post(step_url(token), {"receipt_file": upload(f"{n}.pdf", PDF)}).status_code
        for n in range(3)
    ]

    cache.clear()
    assert statuses == [302, 302, 429]
    assert Draft.objects.get().upload_count == 2


def test_an_upload_refused_by_the_rate_limit_keeps_what_the_resident_typed_on_the_step(
    department: Department, settings: Any
) -> None:
    schema = {
        "title": "領収書の提出",
        "steps": [
            {
                "key": "documents",
                "title": "書類",
                "fields": [
                    {"key": "note", "type": "text", "label": "備考"},
                    {"key": "receipt_file", "type": "file", "label": "領収書"},
                ],
            }
        ],
    }
    form = publish_form(department=department, slug="receipt-note", schema=schema)
    settings.MADOGUCHI_RATE_LIMITS = settings.MADOGUCHI_RATE_LIMITS | {"upload": 0}
    cache.clear()
    client = Client(headers={"accept-language": "en"})
    token = _start(client, form)

    response = client.post(
        step_url(token), {"note": "領収書は2枚あります", "receipt_file": upload("r.pdf", PDF)}
    )

    cache.clear()
    assert response.status_code == 429
    assert "領収書は2枚あります" in response.content.decode()


def test_purge_deletes_expired_drafts_their_files_and_files_no_row_names(
    upload_form: FormVersion,
    draft: Draft,
    media_root: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attach(draft, "receipt_file", upload("old.pdf", PDF))
    kept, _token = services.start_draft(form_version=upload_form, language="ja")
    attach(kept, "receipt_file", upload("kept.pdf", PDF))
    Draft.objects.filter(pk=draft.pk).update(expires_at=timezone.now() - timedelta(days=1))
    stray = default_storage.save("attachments/2020/01/left-by-a-crash.pdf", upload("x", PDF))
    settings.MADOGUCHI_ORPHAN_FILE_HOURS = 0

    with django_capture_on_commit_callbacks(execute=True):
        report = retention.purge(now=timezone.now() + timedelta(seconds=1))

    assert report.drafts == 1
    assert list(Draft.objects.all()) == [kept]
    assert not default_storage.exists(stray)
    assert [p.name for p in stored_files(media_root)] == [
        Path(kept.attachments.get().file.name).name
    ]


def test_purge_leaves_young_files_alone_they_may_be_uploads_in_progress(
    media_root: Path, settings: Any
) -> None:
    settings.MADOGUCHI_ORPHAN_FILE_HOURS = 24
    young = default_storage.save("attachments/2026/01/being-saved.pdf", upload("x", PDF))

    report = retention.purge()

    assert report.orphan_files == 0
    assert default_storage.exists(young)
