"""A photo question through the upload service: stored re-encoded without its location,
refused with what to fix while the page's other answers are kept."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import services
from madoguchi.submissions.models import Attachment, Draft
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

SCHEMA = {
    "title": "マイナンバーカード交付申請",
    "steps": [
        {
            "key": "card",
            "title": "申請",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {"key": "face", "type": "photo", "label": "顔写真", "required": True},
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
def draft(department: Department) -> Draft:
    version: FormVersion = publish_form(department=department, slug="card", schema=SCHEMA)
    draft, _token = services.start_draft(form_version=version, language="ja")
    return draft


def phone_photo(size: tuple[int, int]) -> bytes:
    """A noisy JPEG with a phone's EXIF: maker and GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "MadoguchiCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (36.0, 18.0, 7.0)
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(
        buffer, format="JPEG", quality=90, exif=exif.tobytes()
    )
    return buffer.getvalue()


def test_a_photo_is_stored_without_its_location_and_its_hash_is_of_the_stored_bytes(
    draft: Draft,
) -> None:
    sent = phone_photo((525, 675))

    result = services.save_step(
        draft=draft,
        step_index=0,
        data={"name": "加賀 太郎"},
        files={"face": SimpleUploadedFile("IMG_0001.JPG", sent, "image/jpeg")},
    )

    assert result.errors == {}
    attachment = Attachment.objects.get()
    stored = attachment.file.read()
    assert b"MadoguchiCam" not in stored and b"Exif" not in stored
    assert attachment.size == len(stored) != len(sent)
    assert attachment.content_type == "image/jpeg"
    assert attachment.name == "IMG_0001.jpg"
    draft.refresh_from_db()
    assert draft.answers["face"][0]["sha256"] == attachment.sha256


def test_a_landscape_photo_is_refused_and_the_name_typed_beside_it_is_kept(
    draft: Draft, media_root: Path
) -> None:
    result = services.save_step(
        draft=draft,
        step_index=0,
        data={"name": "加賀 太郎"},
        files={"face": SimpleUploadedFile("IMG_0002.JPG", phone_photo((800, 600)), "image/jpeg")},
    )

    assert result.errors["face"] == [
        "The photo is landscape (800 × 600 pixels). Take it in portrait: taller than wide, "
        "4.5 high to 3.5 wide."
    ]
    assert not Attachment.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]
    assert result.entered["name"] == "加賀 太郎"  # shown again on the page


def test_a_pdf_is_not_a_photo(draft: Draft) -> None:
    result = services.save_step(
        draft=draft,
        step_index=0,
        data={"name": "加賀 太郎"},
        files={"face": SimpleUploadedFile("face.jpg", pdf_bytes(), "image/jpeg")},
    )

    assert result.errors["face"] == ["This type of file cannot be attached. Attach JPEG、PNG."]
