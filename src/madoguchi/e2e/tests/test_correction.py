"""差し戻し in the browser: staff return an application, the resident corrects it from the
emailed link, staff approve it; every staff page on the way is axe-clean."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Submission
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import code_for

from .conftest import _csp_violations, assert_accessible, screenshot


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
    page.locator("#field-consent").check()  # labelled with the declaration itself
    page.get_by_role("button", name="次へ").click()
    page.get_by_role("button", name="申請を送信する").click()
    return page.get_by_test_id("receipt-number").inner_text().strip()


def _staff_login(page: Any, base: str) -> None:
    page.goto(f"{base}/staff/")
    page.fill("#username", "kaga-kosodate")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.fill("#code", code_for(demo_totp_key("kaga-kosodate")))
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
    assert "- フリガナ\n" in mail.outbox[-1].body and "令和" in mail.outbox[-1].body
    resident = phone_page
    resident.goto(link.group(0).replace("http://127.0.0.1:8000", base))
    expect(resident.get_by_test_id("correction-reason")).to_contain_text("ハナゴ")
    assert resident.locator("#field-parent_name").count() == 0  # not reopened
    assert_accessible(resident, name="correction page")
    # Sending the same answer back is refused; nothing is used up.
    resident.get_by_role("button", name="変更内容の確認へ進む").click()
    expect(resident.locator(".error-summary")).to_contain_text(
        "修正を依頼された回答が変更されていません"
    )
    assert_accessible(resident, name="correction page with nothing changed")
    resident.fill("#field-parent_kana", "カガ ハナコ")
    resident.get_by_role("button", name="変更内容の確認へ進む").click()
    # The review step: before → after, a way back, and only then the link is used up.
    expect(resident.get_by_role("heading", name="修正した内容の確認")).to_be_visible()
    changes = resident.get_by_test_id("correction-changes")
    expect(changes.locator("del")).to_have_text("カガ\u3000ハナゴ")
    expect(changes.locator("ins")).to_have_text("カガ\u3000ハナコ")
    assert_accessible(resident, name="correction review")
    screenshot(resident, "correction-review-phone")
    assert Submission.objects.get(receipt_number=receipt).status == "returned"
    resident.get_by_role("link", name="変更する フリガナ").click()
    expect(resident.locator("#field-parent_kana")).to_have_value("カガ\u3000ハナコ")
    resident.get_by_role("button", name="変更内容の確認へ進む").click()
    resident.get_by_role("button", name="修正した申請を送信する").click()
    expect(resident.get_by_test_id("receipt-number")).to_have_text(receipt)

    staff.reload()
    expect(staff.get_by_test_id("status-history")).to_contain_text("再提出")
    diff = staff.get_by_test_id("correction-diff")
    diff.locator("summary").click()
    expect(diff.locator("dt")).to_have_text("フリガナ")
    expect(diff.locator("del")).to_have_text("カガ\u3000ハナゴ")
    expect(diff.locator("ins")).to_have_text("カガ\u3000ハナコ")
    assert_accessible(staff, name="staff detail with the correction history")
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


def _sign_moped_deregistration(page: Any, base: str) -> None:
    """Apply with the card and sign, as in test_signature (the demo's signed form)."""
    page.goto(f"{base}/172065/gentsuki-haisha/?channel=online")  # it also offers the counter
    page.locator("button[name=provider]").first.click()
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "1234")
    page.locator("button[name=action][value=authenticate]").click()
    expect(page.locator(".identity-banner")).to_be_visible()
    page.fill("#field-owner_kana", "カガ タロウ")
    page.fill("#field-postal_code", "922-0811")
    page.fill("#field-phone", "0761721111")
    page.get_by_role("button", name="次へ").click()
    page.fill("#field-plate_number", "加賀市 あ 12-34")
    page.fill("#field-frame_number", "AF68-1234567")
    page.locator("input[name=displacement]").first.check()
    page.get_by_role("button", name="次へ").click()
    page.locator("input[name=reason][value=scrapped]").check()
    day = date.today() - timedelta(days=7)
    page.select_option("#field-reason_date-era", "seireki")
    page.fill("#field-reason_date-year", str(day.year))
    page.fill("#field-reason_date-month", str(day.month))
    page.fill("#field-reason_date-day", str(day.day))
    page.get_by_role("button", name="次へ").click()
    page.locator("input[name=plate_return][value=return]").check()
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="次へ").click()
    page.locator("button[name=action][value=sign]").click()
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "KAGA1975")
    page.locator("button[name=action][value=sign]").click()
    page.wait_for_url("**/done/**")


def test_a_signed_correction_link_opened_on_another_device_needs_the_card_login_first(
    demo: None, live_server: Any, phone_page: Any, browser: Any
) -> None:
    base = live_server.url
    _sign_moped_deregistration(phone_page, base)
    submission = Submission.objects.get()
    staff = StaffFactory(municipality=submission.municipality, departments=[submission.department])
    _fix, token = workflow.return_for_correction(
        submission=submission, staff=staff, reason="電話番号がつながりません。", fields=["phone"]
    )
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused = _csp_violations(page)

    page.goto(f"{base}/correct/{token}/")
    expect(page.get_by_role("heading", name=re.compile("もう一度本人確認"))).to_be_visible()
    for personal in ("太郎", "カガ", "0761721111", "0761-72-1111", "電話番号がつながりません"):
        assert personal not in page.content()
    assert_accessible(page, name="correction verify-again page")
    screenshot(page, "correction-verify-again-pc")
    page.get_by_role("button", name=re.compile("でもう一度本人確認する")).click()
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "1234")
    page.locator("button[name=action][value=authenticate]").click()

    expect(page.get_by_test_id("correction-reason")).to_contain_text("電話番号がつながりません")
    page.fill("#field-phone", "0761722222")
    page.get_by_role("button", name="変更内容の確認へ進む").click()
    expect(page.get_by_test_id("correction-changes").locator("ins")).to_have_text("0761-72-2222")
    assert_accessible(page, name="signed correction review (desktop)")
    screenshot(page, "correction-review-desktop")
    page.get_by_role("button", name="マイナンバーカードで署名して送信する").click()
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "KAGA1975")
    page.locator("button[name=action][value=sign]").click()
    page.wait_for_url("**/done/**")
    context.close()

    assert not refused, f"Content-Security-Policy refused: {refused}"
    submission.refresh_from_db()
    assert submission.status == "resubmitted"
    assert submission.answers["phone"] == "0761-72-2222"
