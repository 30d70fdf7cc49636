"""Clerks see the files a resident attached on the application page, and print it for 決裁.

A receipt PDF is framed and a photo shown beside the answer that names them, both from
our own URL (sandboxed, framed only by us); the print view needs no script. Desktop and
phone, axe on every page, no CSP refusal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
from madoguchi.forms.models import Form
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Attachment, Channel, Submission
from madoguchi.testing.files import pdf_bytes, png_bytes
from madoguchi.testing.staff import code_for

from .conftest import _csp_violations, assert_accessible, screenshot

ANSWERS: dict[str, Any] = {
    "name": "加賀 太郎",
    "name_kana": "カガ\u3000タロウ",
    "birth_date": "1975-04-01",
    "sex": "male",
    "postal_code": "922-8622",
    "address": "石川県加賀市大聖寺南町ニ41",
    "phone": "0761-72-1111",
    "email": "taro@example.jp",
    "clinic": "加賀市医療センター",
    "exam_date": "2026-11-02",
    "course": "day",
    "amount": 43000,
    "insurance": "kokuho",
    "bank_name": "北國銀行",
    "branch_name": "大聖寺支店",
    "account_type": "futsu",
    "account_number": "1234567",
    "account_holder": "カガ\u3000タロウ",
    "consent": True,
}


def _attach(submission: Submission, key: str, name: str, content: bytes, kind: str) -> None:
    attachment = Attachment.objects.create(
        submission=submission,
        field_key=key,
        file=ContentFile(content, name="upload"),
        name=name,
        size=len(content),
        content_type=kind,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    submission.answers[key] = [attachment.descriptor()]
    submission.save(update_fields=["answers"])


def _ningen_dock_with_files() -> Submission:
    """An application as the form would store it, with a receipt PDF and a photo."""
    form = Form.objects.get(slug="ningen-dock-josei")
    assert form.current_version is not None
    submission = submission_services.create_submission(
        form_version=form.current_version,
        answers=dict(ANSWERS),
        channel=Channel.ONLINE,
        language="ja",
    )
    _attach(
        submission, "receipt_file", "領収書.pdf", pdf_bytes("receipt 43,000"), "application/pdf"
    )
    _attach(submission, "result_file", "結果票.png", png_bytes((600, 400)), "image/png")
    return submission


def _staff_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/staff/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.fill("#code", code_for(demo_totp_key(username)))
    page.get_by_role("button", name="ログイン").click()


@pytest.fixture
def desktop_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def _check_detail_and_print(page: Any, base: str, submission: Submission, label: str) -> None:
    page.goto(f"{base}/staff/submissions/{submission.receipt_number}/")
    receipt_row = page.locator(".review-row", has=page.locator("dt", has_text="領収書"))
    frame = receipt_row.locator("iframe.attachment-pdf")
    expect(frame).to_be_visible()
    expect(frame).to_have_attribute("title", "添付ファイル 領収書.pdf")
    photo = page.locator(".review-row", has=page.locator("dt", has_text="結果票の写し")).locator(
        "img.attachment-preview"
    )
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 600
    # The framed file is served by us, sandboxed, under its safe name.
    response = page.request.get(base + frame.get_attribute("src"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert_accessible(page, name=f"staff detail with attachments ({label})")
    if label == "desktop":
        screenshot(page, "attachment-view-desktop")
    else:
        screenshot(page, "attachment-view-phone")

    page.get_by_role("link", name="決裁用の印刷画面").click()
    expect(page.get_by_test_id("approval-boxes")).to_contain_text("課長")
    expect(page.locator("main")).to_contain_text("領収書.pdf")
    expect(page.locator("main")).to_contain_text("令和")
    assert page.locator("script").count() == 0
    assert_accessible(page, name=f"print view ({label})")
    page.emulate_media(media="print")
    assert_accessible(page, name=f"print view as printed ({label})")
    screenshot(page, f"print-view-{label}")
    page.emulate_media(media="screen")


def test_a_clerk_sees_the_attached_receipt_and_photo_and_prints_the_application_on_a_desktop(
    demo: None, live_server: Any, desktop_page: Any
) -> None:
    submission = _ningen_dock_with_files()
    _staff_login(desktop_page, live_server.url, "kaga-kenko")

    _check_detail_and_print(desktop_page, live_server.url, submission, "desktop")


def test_a_read_only_clerk_sees_the_attachments_on_a_phone(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    submission = _ningen_dock_with_files()
    _staff_login(phone_page, live_server.url, "kaga-viewer")

    _check_detail_and_print(phone_page, live_server.url, submission, "phone")


def test_another_departments_clerk_cannot_open_the_files(
    demo: None, live_server: Any, desktop_page: Any
) -> None:
    submission = _ningen_dock_with_files()
    attachment = submission.attachments.get(field_key="receipt_file")
    _staff_login(desktop_page, live_server.url, "kaga-kosodate")

    response = desktop_page.request.get(
        f"{live_server.url}/staff/submissions/{submission.receipt_number}/attachments/{attachment.pk}/"
    )

    assert response.status == 404
