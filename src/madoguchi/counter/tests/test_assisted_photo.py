"""Card issuance support at the counter: the clerk takes the photo (stored without EXIF,
refused with a message while the other answers stay) and scans the 申請書ID (the digits
of whatever the QR code holds); the photo goes with the application into the submission."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image

from madoguchi.counter import card_issuance, services
from madoguchi.counter.models import VisitApplication
from madoguchi.forms.models import FormVersion
from madoguchi.forms.schema import FormSchema
from madoguchi.submissions.models import Draft
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing import counter as counter_data
from madoguchi.testing.counter_assisted import visit_of
from madoguchi.testing.factories import publish_form
from madoguchi.testing.staff import LogIn

pytestmark = pytest.mark.django_db

APPLICATION_ID = "12345678901234567890123"
CARD_SCHEMA: dict[str, Any] = {
    "title": {"ja": "マイナンバーカード交付申請", "en": "My Number Card application"},
    "channels": ["counter"],
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "card",
            "title": {"ja": "申請", "en": "Application"},
            "fields": [
                {
                    "key": "application_id",
                    "type": "text",
                    "label": {"ja": "申請書ID", "en": "Application form ID"},
                    "required": True,
                    "max_length": 40,
                    "pattern": card_issuance.APPLICATION_ID_PATTERN,
                },
                {
                    "key": "name",
                    "type": "text",
                    "label": {"ja": "氏名", "en": "Name"},
                    "required": True,
                },
                {
                    "key": "face_photo",
                    "type": "photo",
                    "label": {"ja": "顔写真", "en": "Face photo"},
                    "required": True,
                },
                {"key": "certificate", "type": "file", "label": {"ja": "証明書", "en": "Paper"}},
            ],
        }
    ],
}


def _card_form(department: Department) -> FormVersion:
    return publish_form(department=department, slug="card-support", schema=CARD_SCHEMA)


def _photo(size: tuple[int, int] = (560, 720), *, located: bool = True) -> bytes:
    exif = Image.Exif()
    if located:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (36.0, 18.0, 7.0)
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(
        buffer, format="JPEG", quality=90, exif=exif.tobytes()
    )
    return buffer.getvalue()


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("face.jpg", content, "image/jpeg")


def _url(staff: StaffMember, version: FormVersion) -> tuple[str, Any]:
    visit = visit_of(staff)
    return reverse("counter:assisted_fill", args=[visit.pk, version.form_id]), visit


def test_the_page_asks_for_the_photo_with_the_camera_and_scans_the_application_id(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    url, _visit = _url(staff, _card_form(department))

    response = log_in(staff).get(url)

    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'capture="user"' in html and 'name="face_photo"' in html
    assert 'name="certificate"' not in html
    assert "Paper: documents are checked at the counter." in html
    assert "data-qr-scan" in html and "data-qr-fill-only" in html
    assert "wasm-unsafe-eval" in response["Content-Security-Policy"]


def test_a_good_photo_is_stored_without_exif_and_accepted_with_the_scanned_id(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    url, visit = _url(staff, _card_form(department))
    browser = log_in(staff)

    response = browser.post(
        url,
        {
            "application_id": f"https://example.jp/apply?id={APPLICATION_ID}&lang=ja",
            "name": "加賀 花子",
            "face_photo": _upload(_photo()),
            "action": "save",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    application = VisitApplication.objects.get(visit=visit)
    assert application.answers["application_id"] == APPLICATION_ID
    assert application.files is not None
    [held] = Draft.objects.get(pk=application.files.pk).attachments.all()
    assert application.answers["face_photo"] == [held.descriptor()]
    content = held.file.read()
    assert hashlib.sha256(content).hexdigest() == held.sha256
    stored = Image.open(io.BytesIO(content))
    assert stored.size == (560, 720)
    assert not stored.getexif() and "exif" not in stored.info
    # The pages that show the application show the photo by its name.
    for page in (
        reverse("counter:assisted_saved", args=[application.pk]),
        reverse("counter:visit", args=[visit.pk]),
    ):
        shown = browser.get(page)
        assert shown.status_code == 200 and held.name in shown.content.decode()

    services.record_visual_check(visit=visit, clerk=staff, documents=["driving_licence"])
    application.refresh_from_db()
    submission = services.submit_application(
        application=counter_data.confirm(application), clerk=staff
    )
    [attachment] = submission.attachments.all()
    assert attachment.sha256 == held.sha256
    assert held.sha256 in submission.document


def test_a_photo_too_small_is_refused_and_what_was_typed_stays(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    url, visit = _url(staff, _card_form(department))
    browser = log_in(staff)
    browser.defaults["HTTP_ACCEPT_LANGUAGE"] = "ja"

    response = browser.post(
        url,
        {
            "application_id": APPLICATION_ID,
            "name": "加賀 花子",
            "face_photo": _upload(_photo((280, 360))),
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="加賀 花子"' in html and f'value="{APPLICATION_ID}"' in html
    assert 'aria-invalid="true"' in html
    assert "480" in html and "640" in html
    assert not VisitApplication.objects.filter(visit=visit).exists()


def test_a_photo_accepted_stays_while_other_answers_are_corrected(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    url, visit = _url(staff, _card_form(department))
    browser = log_in(staff)

    first = browser.post(url, {"application_id": "123", "face_photo": _upload(_photo())})

    assert first.status_code == 422
    html = first.content.decode()
    assert 'id="field-face_photo-attached"' in html or "-attached" in html
    held = html.split('name="held" value="')[1].split('"')[0]
    second = browser.post(
        url, {"application_id": APPLICATION_ID, "name": "加賀 花子", "held": held}
    )
    assert second.status_code == 302
    application = VisitApplication.objects.get(visit=visit)
    assert application.answers["face_photo"][0]["content_type"] == "image/jpeg"
    # The note cannot be used again for another application.
    third = browser.post(url, {"application_id": APPLICATION_ID, "name": "加賀", "held": held})
    assert third.status_code == 422


def test_a_held_note_of_another_visit_is_ignored(
    staff: StaffMember, department: Department, log_in: LogIn
) -> None:
    version = _card_form(department)
    url, _visit = _url(staff, version)
    other_url, _other = _url(staff, version)
    browser = log_in(staff)
    first = browser.post(url, {"face_photo": _upload(_photo())})
    held = first.content.decode().split('name="held" value="')[1].split('"')[0]

    response = browser.post(
        other_url, {"application_id": APPLICATION_ID, "name": "加賀 花子", "held": held}
    )

    assert response.status_code == 422  # the photo is still missing on this visit


# --- the 申請書ID in a scan ----------------------------------------------------------------


def test_the_application_id_is_read_from_the_bare_digits_full_width_or_a_url() -> None:
    assert card_issuance.application_id(APPLICATION_ID) == APPLICATION_ID
    full_width = APPLICATION_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert card_issuance.application_id(full_width) == APPLICATION_ID
    assert card_issuance.application_id(f"https://x.jp/a/{APPLICATION_ID}?v=2") == APPLICATION_ID
    assert card_issuance.application_id(f"{APPLICATION_ID}4") is None
    assert card_issuance.application_id(f"{APPLICATION_ID} {APPLICATION_ID}") is None
    assert card_issuance.application_id("1234-5678") is None


@given(
    digits=st.text(alphabet="0123456789", min_size=23, max_size=23),
    before=st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=30),
    after=st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=30),
)
def test_any_text_around_one_run_of_23_digits_gives_those_digits(
    digits: str, before: str, after: str
) -> None:
    import unicodedata

    text = before + digits + after
    # NFKC may fold a character around the run into a digit; then it is not one run.
    folded = unicodedata.normalize("NFKC", text)
    if sum(c.isdigit() for c in folded) != 23:
        return
    assert card_issuance.application_id(text) == digits


@given(st.text(max_size=80))
def test_the_reader_never_fails_and_gives_23_ascii_digits_or_nothing(text: str) -> None:
    result = card_issuance.application_id(text)
    assert result is None or (len(result) == 23 and result.isascii() and result.isdigit())


def test_only_text_questions_asking_for_23_digits_get_the_scanner() -> None:
    schema = FormSchema.model_validate(CARD_SCHEMA)
    assert card_issuance.application_id_keys(schema) == frozenset({"application_id"})
