"""Card issuance support at the counter in a browser (issue 16 item 6): on the Kaga card
form's staff-assisted page the clerk scans the 申請書ID (here typed as a USB scanner types
the QR code's text, a URL holding the 23 digits), takes the photo (set_input_files on the
camera input), gets a too-small photo refused with the other answers kept, then a good one
accepted; the application holds the photo without EXIF. Axe on each page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.urls import reverse
from playwright.sync_api import expect

from madoguchi.counter.models import VisitApplication
from madoguchi.e2e.tests.conftest import _csp_violations, assert_accessible, screenshot
from madoguchi.e2e.tests.test_mail_intake import log_in
from madoguchi.e2e.tests.test_photo_field import camera_jpeg
from madoguchi.submissions.models import Draft
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.counter_assisted import visit_of
from madoguchi.testing.factories import publish_form

pytestmark = pytest.mark.browser

CARD_FORM = (
    Path(__file__).resolve().parents[2] / "demo" / "forms" / "172065-mynumber-card-shinsei.yaml"
)
APPLICATION_ID = "12345678901234567890123"


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="ja-JP",
        viewport={"width": 820, "height": 1180},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def test_the_clerk_scans_the_application_id_and_takes_the_photo_at_the_counter(
    transactional_db: None,
    live_server: Any,
    tablet: Any,
    staff: StaffMember,
    department: Department,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    schema = yaml.safe_load(CARD_FORM.read_text(encoding="utf-8"))["schema"]
    version = publish_form(department=department, slug="mynumber-card-shinsei", schema=schema)
    visit = visit_of(staff)
    page = tablet
    base = live_server.url
    log_in(page, base, staff)

    page.goto(base + reverse("counter:assisted_fill", args=[visit.pk, version.form_id]))
    scan = page.locator("#field-application_id")
    expect(scan).to_have_attribute("data-qr-scan", "")
    photo = page.locator("#field-face_photo")
    expect(photo).to_have_attribute("capture", "user")
    assert_accessible(page, name="card support: assisted page")
    scan.fill(f"https://example.jp/mynumber?id={APPLICATION_ID}")
    page.fill("#field-name", "加賀 花子")
    page.fill("#field-name_kana", "カガ ハナコ")
    page.fill("#field-birth_date-year", "1990")
    page.fill("#field-birth_date-month", "4")
    page.fill("#field-birth_date-day", "1")
    page.get_by_label("女", exact=True).check()
    page.fill("#field-postal_code", "922-8622")
    page.fill("#field-address", "石川県加賀市大聖寺南町ニ41")
    page.fill("#field-phone", "0761721111")
    page.get_by_label("発行を希望する").first.check()
    page.get_by_label("発行を希望する").last.check()
    page.locator("#field-consent").check()
    photo.set_input_files(
        files=[
            {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": camera_jpeg((300, 400))}
        ]
    )
    page.get_by_role("button", name="この手続きを保存").last.click()

    expect(page.locator(".error-summary")).to_contain_text("写真が小さすぎます")
    expect(photo).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-name")).to_have_value("加賀 花子")
    expect(scan).to_have_value(APPLICATION_ID)
    assert_accessible(page, name="card support: photo refused")
    screenshot(page, "counter-card-support-photo-refused")
    photo.set_input_files(
        files=[
            {"name": "IMG_0002.JPG", "mimeType": "image/jpeg", "buffer": camera_jpeg((525, 675))}
        ]
    )
    page.get_by_role("button", name="この手続きを保存").last.click()

    page.wait_for_url("**/saved/")
    assert_accessible(page, name="card support: saved")
    application = VisitApplication.objects.get(visit=visit)
    assert application.answers["application_id"] == APPLICATION_ID
    assert application.files is not None
    held = Draft.objects.get(pk=application.files.pk).attachments.get(field_key="face_photo")
    assert application.answers["face_photo"] == [held.descriptor()]
    assert b"Exif" not in held.file.read()
