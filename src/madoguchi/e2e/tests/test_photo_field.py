"""The card issuance support form on a counter tablet (issue 16 item 6): the 申請書ID typed
in full-width digits, the photo input that opens the camera, a landscape photo refused with
what to do, then a portrait one taken; with and without JavaScript (axe where it runs)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from PIL import ExifTags, Image
from playwright.sync_api import expect

from madoguchi.forms.models import Form
from madoguchi.submissions import services

from .conftest import _csp_violations, assert_accessible, screenshot

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True}


@pytest.fixture(params=["js", "no-js"])
def tablet(request: Any, browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="ja-JP", java_script_enabled=request.param == "js", **TABLET
    )
    page = context.new_page()
    page.mode = request.param
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def camera_jpeg(size: tuple[int, int]) -> bytes:
    """A noisy JPEG with the GPS position a phone or tablet writes."""
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (36.0, 18.0, 7.0)
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(
        buffer, format="JPEG", quality=90, exif=exif.tobytes()
    )
    return buffer.getvalue()


def test_the_clerk_enters_the_application_id_and_takes_the_photo_on_a_tablet(
    demo: None, live_server: Any, tablet: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    form = Form.objects.get(municipality__lg_code="172065", slug="mynumber-card-shinsei")
    assert form.current_version is not None
    draft, token = services.start_draft(form_version=form.current_version, language="ja")
    page = tablet

    page.goto(live_server.url + reverse("submissions:step", args=[token, 1]))
    page.fill("#field-application_id", "１２３４５６７８９０１２３４５６７８９０１２３")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("h1")).to_contain_text("申請者")
    page.fill("#field-name", "加賀 花子")
    page.fill("#field-name_kana", "カガ ハナコ")
    page.fill("#field-birth_date-year", "1990")
    page.fill("#field-birth_date-month", "4")
    page.fill("#field-birth_date-day", "1")
    page.get_by_label("女", exact=True).check()
    page.fill("#field-postal_code", "922-8622")
    page.fill("#field-address", "石川県加賀市大聖寺南町ニ41")
    page.fill("#field-phone", "0761721111")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("h1")).to_contain_text("顔写真")

    photo = page.locator("#field-face_photo")
    expect(photo).to_have_attribute("accept", "image/jpeg,image/png")
    expect(photo).to_have_attribute("capture", "user")
    if page.mode == "js":  # axe needs JavaScript; the no-JS run draws the same templates
        assert_accessible(page, name="photo step")
    photo.set_input_files(
        files=[
            {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": camera_jpeg((800, 600))}
        ]
    )
    page.get_by_role("button", name="次へ").click()

    expect(page.locator(".error-summary")).to_contain_text("写真が横長です（800×600ピクセル）")
    expect(photo).to_have_attribute("aria-invalid", "true")
    if page.mode == "js":
        assert_accessible(page, name="photo refused")
    screenshot(page, f"photo-landscape-refused-{page.mode}")
    photo.set_input_files(
        files=[
            {"name": "IMG_0002.JPG", "mimeType": "image/jpeg", "buffer": camera_jpeg((525, 675))}
        ]
    )
    page.get_by_role("button", name="次へ").click()

    expect(page.locator("h1")).to_contain_text("電子証明書と受け取り")
    draft.refresh_from_db()
    assert draft.answers["application_id"] == "12345678901234567890123"
    stored = draft.attachments.get(field_key="face_photo").file.read()
    assert b"Exif" not in stored
    page.goto(live_server.url + reverse("submissions:step", args=[token, 3]))
    expect(page.locator("#field-face_photo-attached")).to_contain_text("IMG_0002.jpg")
