"""A resident applies with their card, downloads the signed receipt, and later sees on their
page that the department opened the application (やりとり履歴)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.demo.services import (
    DEMO_PASSWORD,
    demo_totp_key,
)
from madoguchi.submissions.models import Submission
from madoguchi.testing.staff import code_for

from .conftest import ARTIFACTS, assert_accessible, screenshot


def _card_login(page: Any) -> None:
    expect(page.get_by_role("heading", name="マイナンバーカードで本人確認")).to_be_visible()
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "1234")
    page.get_by_role("button", name="本人確認する").click()


def _a_quiet_weekday() -> str:
    """A Wednesday two weeks or more ahead, outside the New Year break."""
    day = timezone.localdate() + timedelta(days=14)
    new_year_break = (day.month, day.day) >= (12, 28) or (day.month, day.day) < (1, 5)
    while day.weekday() != 2 or new_year_break:
        day += timedelta(days=1)
        new_year_break = (day.month, day.day) >= (12, 28) or (day.month, day.day) < (1, 5)
    return day.isoformat()


def test_the_resident_downloads_the_receipt_and_sees_who_opened_the_application(
    demo: None, live_server: Any, phone_page: Any, browser: Any
) -> None:
    page = phone_page
    base = live_server.url
    page.goto(f"{base}/172065/kosodate-soudan/")
    page.get_by_role("button", name="デジタル認証アプリで本人確認して始める").click()
    _card_login(page)

    expect(page.locator("#field-parent_name")).to_have_value(re.compile("加賀.太郎"))
    page.fill("#field-parent_kana", "カガ タロウ")
    page.fill("#field-phone", "0761721111")
    page.get_by_role("button", name="次へ").click()
    page.fill("#field-child_age_months", "18")
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("来所（加賀市役所 子育て応援課）").check()
    year, month, day = _a_quiet_weekday().split("-")
    page.select_option("#field-preferred_date-era", "seireki")
    page.fill("#field-preferred_date-year", year)
    page.fill("#field-preferred_date-month", str(int(month)))
    page.fill("#field-preferred_date-day", str(int(day)))
    page.select_option("#field-preferred_time", "morning")
    page.get_by_label("睡眠・生活リズム").check()
    page.get_by_role("button", name="次へ").click()
    page.locator("#field-consent").check()  # labelled with the declaration itself
    page.get_by_role("button", name="次へ").click()
    expect(page.get_by_role("heading", name="送信前に内容を確認してください")).to_be_visible()
    page.get_by_role("button", name="申請を送信する").click()
    receipt = page.get_by_test_id("receipt-number").inner_text().strip()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="受付証（PDF）をダウンロード").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"/ByteRange" in pdf  # signed by the city
    (ARTIFACTS / "receipt-kosodate.pdf").write_bytes(pdf)
    submission = Submission.objects.get(receipt_number=receipt)
    page.goto(f"{base}/receipts/{submission.public_id}/")  # where the QR code leads
    expect(page.get_by_text(receipt)).to_be_visible()
    assert "加賀 太郎" not in page.content()
    assert_accessible(page, name="receipt reference")
    page.goto(f"{base}/receipts/trust/")
    assert_accessible(page, name="how to verify receipts")

    # The department opens the application in its inbox.
    staff = browser.new_page(locale="ja-JP")
    staff.goto(f"{base}/staff/")
    staff.fill("#username", "kaga-kosodate")
    staff.fill("#password", DEMO_PASSWORD)
    staff.get_by_role("button", name="次へ").click()
    staff.fill("#code", code_for(demo_totp_key("kaga-kosodate")))
    staff.get_by_role("button", name="ログイン").click()
    staff.get_by_role("link", name=receipt).click()
    expect(staff.get_by_text("加賀 太郎").first).to_be_visible()
    staff.close()

    # Later, on another day, the resident logs in to their page with the card.
    page.context.clear_cookies()
    page.goto(f"{base}/mypage/172065/")
    assert_accessible(page, name="mypage login")
    page.get_by_role("button", name="デジタル認証アプリでログイン").click()
    _card_login(page)

    expect(page.get_by_role("heading", name="マイページ")).to_be_visible()
    expect(page.get_by_test_id("mypage-submission")).to_contain_text(receipt)
    history = page.get_by_test_id("access-history")
    expect(history).to_contain_text("子育て応援課")
    expect(history).to_contain_text("職員が閲覧")
    expect(history).to_contain_text("申請を送信")
    assert_accessible(page, name="mypage")
    screenshot(page, "mypage-access-history-phone")
    with page.expect_download() as again:
        page.get_by_role("link", name=re.compile("受付証.*をダウンロード")).click()
    assert again.value.path().read_bytes() == pdf  # the same signed file every time
