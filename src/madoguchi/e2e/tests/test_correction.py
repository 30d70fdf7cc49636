"""差し戻し in the browser: staff return an application, the resident corrects it from the
emailed link, staff approve it; every staff page on the way is axe-clean."""

from __future__ import annotations

import base64
import re
from datetime import date, timedelta
from typing import Any

import pyotp
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.core.management.commands.demo import DEMO_PASSWORD, demo_totp_key
from madoguchi.submissions.models import Submission

from .conftest import assert_accessible, screenshot


def _weekday_ahead() -> date:
    day = timezone.localdate() + timedelta(days=14)
    while day.weekday() != 2 or (day.month, day.day) >= (12, 28) or (day.month, day.day) < (1, 5):
        day += timedelta(days=1)
    return day


def _apply(page: Any, base: str) -> str:
    page.goto(f"{base}/172065/kosodate-soudan/")
    page.get_by_role("button", name="カードを使わずに始める（すべて手入力）").click()
    page.fill("#field-parent_name", "加賀 花子")
    page.fill("#field-parent_kana", "カガ ハナゴ")  # a typo staff will ask to fix
    page.fill("#field-phone", "0761721111")
    page.fill("#field-email", "hanako@example.jp")
    page.get_by_role("button", name="次へ").click()
    page.fill("#field-child_age_months", "6")
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("電話", exact=True).check()
    day = _weekday_ahead()
    page.select_option("#field-preferred_date-era", "seireki")
    page.fill("#field-preferred_date-year", str(day.year))
    page.fill("#field-preferred_date-month", str(day.month))
    page.fill("#field-preferred_date-day", str(day.day))
    page.select_option("#field-preferred_time", "afternoon")
    page.get_by_label("授乳・離乳食・幼児食").check()
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("同意する").check()
    page.get_by_role("button", name="次へ").click()
    page.get_by_role("button", name="申請を送信する").click()
    return page.get_by_test_id("receipt-number").inner_text().strip()


def _staff_login(page: Any, base: str) -> None:
    page.goto(f"{base}/staff/")
    page.fill("#username", "kaga-kosodate")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="次へ").click()
    secret = base64.b32encode(bytes.fromhex(demo_totp_key("kaga-kosodate"))).decode()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="ログイン").click()


def test_staff_return_an_application_and_the_resident_corrects_it(
    demo: None, live_server: Any, phone_page: Any, browser: Any
) -> None:
    base = live_server.url
    receipt = _apply(phone_page, base)

    staff = browser.new_page(locale="ja-JP")
    _staff_login(staff, base)
    staff.get_by_text("さらに絞り込む・並べ替える").click()
    staff.select_option("#f-status", "received")
    staff.get_by_role("button", name="絞り込む").click()
    assert_accessible(staff, name="staff inbox with filters")
    staff.get_by_role("link", name=receipt).click()
    assert_accessible(staff, name="staff detail with workflow")
    staff.get_by_label("差し戻し中", exact=True).check()
    staff.fill("#reason", "フリガナが「ハナゴ」になっています。正しいフリガナを入力してください。")
    staff.get_by_label("フリガナ", exact=True).check()
    staff.get_by_role("button", name="状態を変更する").click()
    expect(staff.get_by_text("状態を変更し、申請者に知らせました。")).to_be_visible()
    screenshot(staff, "staff-returned-for-correction")

    link = re.search(r"https?://\S+/correct/[\w-]+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    resident = phone_page
    resident.goto(link.group(0).replace("http://127.0.0.1:8000", base))
    expect(resident.get_by_test_id("correction-reason")).to_contain_text("ハナゴ")
    assert resident.locator("#field-parent_name").count() == 0  # not reopened
    assert_accessible(resident, name="correction page")
    resident.fill("#field-parent_kana", "カガ ハナコ")
    resident.get_by_role("button", name="修正した申請を送信する").click()
    expect(resident.get_by_test_id("receipt-number")).to_have_text(receipt)

    staff.reload()
    expect(staff.get_by_test_id("status-history")).to_contain_text("再提出")
    staff.get_by_label("承認", exact=True).check()
    staff.get_by_role("button", name="状態を変更する").click()
    expect(staff.get_by_test_id("status-history")).to_contain_text("承認")
    submission = Submission.objects.get(receipt_number=receipt)
    assert submission.answers["parent_kana"] == "カガ\u3000ハナコ"
    assert submission.corrections.get().previous_answers["parent_kana"] == "カガ\u3000ハナゴ"

    staff.get_by_role("link", name="集計").click()
    staff.get_by_role("link", name="子育て相談申し込み").click()
    expect(staff.get_by_test_id("total")).to_have_text("1")
    assert_accessible(staff, name="statistics")
    screenshot(staff, "staff-statistics")
    staff.close()
