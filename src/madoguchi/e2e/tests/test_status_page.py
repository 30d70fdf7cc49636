"""A resident who applied without the card follows the application on its status page:
confirmation → status page → staff approve and deliver a result → the resident reads the
approval and downloads the result (on another device, from the email); and withdraws."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.files import pdf_bytes

from .conftest import assert_accessible, screenshot


@pytest.fixture
def desktop_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: (
            refused.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def _a_quiet_weekday() -> tuple[int, int, int]:
    day = timezone.localdate() + timedelta(days=14)
    while day.weekday() != 2 or (day.month, day.day) >= (12, 28) or (day.month, day.day) < (1, 5):
        day += timedelta(days=1)
    return day.year, day.month, day.day


def _apply_without_card(page: Any, base: str) -> str:
    """Apply for 子育て相談 typing everything; returns the receipt number."""
    page.goto(f"{base}/172065/kosodate-soudan/")
    page.get_by_role("button", name="カードを使わずに始める（すべて手入力）").click()
    page.fill("#field-parent_name", "加賀 花子")
    page.fill("#field-parent_kana", "カガ ハナコ")
    page.fill("#field-phone", "0761721111")
    page.fill("#field-email", "hanako@example.jp")
    if page.locator("#field-email-confirmation").count():
        page.fill("#field-email-confirmation", "hanako@example.jp")
    page.get_by_role("button", name="次へ").click()
    page.fill("#field-child_age_months", "18")
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("来所（加賀市役所 子育て応援課）").check()
    year, month, day = _a_quiet_weekday()
    page.select_option("#field-preferred_date-era", "seireki")
    page.fill("#field-preferred_date-year", str(year))
    page.fill("#field-preferred_date-month", str(month))
    page.fill("#field-preferred_date-day", str(day))
    page.select_option("#field-preferred_time", "morning")
    page.get_by_label("睡眠・生活リズム").check()
    page.get_by_role("button", name="次へ").click()
    page.locator("#field-consent").check()  # labelled with the declaration itself
    page.get_by_role("button", name="次へ").click()
    page.get_by_role("button", name="申請を送信する").click()
    return str(page.get_by_test_id("receipt-number").inner_text().strip())


def _staff_for(submission: Submission) -> StaffMember:
    return next(
        s for s in StaffMember.objects.filter(departments=submission.department) if s.can_act
    )


def _status_link(receipt: str) -> str:
    for message in reversed(mail.outbox):
        if receipt in message.body:
            found = re.search(r"https?://\S+(/status/[^/\s]+/)", message.body)
            if found:
                return found.group(1)
    raise AssertionError("no status link was emailed")


def test_a_resident_without_the_card_follows_the_application_and_downloads_the_result(
    demo: None, live_server: Any, phone_page: Any, desktop_page: Any
) -> None:
    page = phone_page
    base = live_server.url
    mail.outbox.clear()
    receipt = _apply_without_card(page, base)
    assert_accessible(page, name="confirmation with the status page button")

    page.get_by_test_id("open-status-page").click()
    expect(page.get_by_role("heading", name="申請状況")).to_be_visible()
    expect(page.get_by_test_id("status-receipt-number")).to_have_text(receipt)
    expect(page.get_by_test_id("status-news")).to_have_text("申請を受け付けました。")
    assert re.search(r"令和\d+年\d+月\d+日（\d{4}年）", page.locator("main").inner_text())
    assert_accessible(page, name="status page, received")

    submission = Submission.objects.get(receipt_number=receipt)
    staff = _staff_for(submission)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(
        submission=submission,
        to_status=Status.APPROVED,
        staff=staff,
        reason="3月18日（水）午前10時に子育て応援課の窓口へお越しください。",
    )
    workflow.deliver_result(
        submission=submission,
        staff=staff,
        upload=SimpleUploadedFile("相談予約確認書.pdf", pdf_bytes("相談予約確認書")),
    )

    page.reload()
    expect(page.get_by_test_id("status-label")).to_have_text("完了")
    expect(page.get_by_text("審査が終わり、承認されました。")).to_be_visible()
    expect(
        page.get_by_text("3月18日（水）午前10時に子育て応援課の窓口へお越しください。")
    ).to_be_visible()
    expect(page.get_by_test_id("access-history")).to_be_visible()
    assert_accessible(page, name="status page, completed (phone)")
    screenshot(page, "status-page-phone")

    # The resident opens the link from the result email on a desktop computer.
    desktop = desktop_page
    desktop.goto(base + _status_link(receipt))
    expect(desktop.get_by_test_id("status-result")).to_be_visible()
    assert_accessible(desktop, name="status page, completed (desktop)")
    with desktop.expect_download() as download_info:
        desktop.get_by_test_id("status-result").click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF-")
    assert download_info.value.suggested_filename == "相談予約確認書.pdf"
    screenshot(desktop, "status-page-desktop")
    delivered = [m for m in mail.outbox if "相談予約確認書.pdf" in m.body]
    assert delivered and "結果の書類「相談予約確認書.pdf」をお渡しします" in delivered[0].body


def test_a_resident_withdraws_the_application_from_the_status_page(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    mail.outbox.clear()
    receipt = _apply_without_card(page, live_server.url)
    page.get_by_test_id("open-status-page").click()

    page.get_by_test_id("status-withdraw").click()
    expect(page.get_by_role("heading", name="この申請を取り下げますか？")).to_be_visible()
    assert_accessible(page, name="withdraw confirmation")
    page.get_by_test_id("withdraw-confirm").click()

    expect(page.get_by_test_id("status-label")).to_have_text("取下げ")
    expect(page.get_by_text("申請を取り下げました。").first).to_be_visible()
    expect(page.get_by_test_id("status-withdraw")).to_have_count(0)
    assert_accessible(page, name="status page, withdrawn")
    screenshot(page, "status-page-withdrawn-phone")
    submission = Submission.objects.get(receipt_number=receipt)
    assert submission.status == Status.WITHDRAWN
    assert submission.status_changes.last().actor is None  # type: ignore[union-attr]
