"""A resident applies for Kaga's 人間ドック subsidy on a phone; staff find it in the inbox."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.demo.services import (
    DEMO_PASSWORD,
    demo_totp_key,
)
from madoguchi.submissions.models import Submission
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.staff import code_for

from .conftest import ARTIFACTS, assert_accessible, screenshot

RECEIPT = re.compile(r"^172065-\d{4}-\d{6}$")


def _fill_date(page: Any, key: str, *, era: str, year: int, month: int, day: int) -> None:
    page.select_option(f"#field-{key}-era", era)
    page.fill(f"#field-{key}-year", str(year))
    page.fill(f"#field-{key}-month", str(month))
    page.fill(f"#field-{key}-day", str(day))


def test_resident_applies_for_ningen_dock_on_a_phone_and_staff_find_it(
    demo: None, live_server: Any, phone_page: Any, tmp_path: Path
) -> None:
    page = phone_page
    base = live_server.url
    page.goto(f"{base}/172065/")
    assert_accessible(page, name="procedure list")
    page.get_by_role("link", name="人間ドック助成金申請").click()
    page.wait_for_url(f"{base}/172065/ningen-dock-josei/")
    assert_accessible(page, name="form start")
    page.get_by_role("button", name="カードを使わずに始める（すべて手入力）").click()

    # Step 1: the applicant. Submitting it empty first shows the error summary.
    page.get_by_role("button", name="次へ").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, name="step 1 with errors")
    page.fill("#field-name", "加賀 太郎")
    page.fill("#field-name_kana", "かが たろう")  # hiragana is converted to katakana
    _fill_date(page, "birth_date", era="showa", year=50, month=4, day=1)
    page.get_by_label("男", exact=True).check()
    page.fill("#field-postal_code", "９２２８６２２")
    page.get_by_role("button", name="住所を検索").click()
    expect(page.locator("#field-address")).to_have_value(re.compile("^石川県加賀市大聖寺南町"))
    page.fill("#field-address", "石川県加賀市大聖寺南町ニ41")
    page.fill("#field-phone", "0761721111")
    page.fill("#field-email", "taro@example.jp")
    shot = screenshot(page, "ningen-dock-step1-phone")
    assert shot.stat().st_size > 10_000
    assert_accessible(page, name="step 1")
    page.get_by_role("button", name="次へ").click()

    # Step 2: the check-up. "Other" insurance reveals a conditional field.
    exam = timezone.localdate() - timedelta(days=20)
    page.fill("#field-clinic", "加賀市医療センター")
    _fill_date(page, "exam_date", era="seireki", year=exam.year, month=exam.month, day=exam.day)
    page.get_by_label("日帰り").first.check()
    page.fill("#field-amount", "４３，０００")
    page.select_option("#field-insurance", "other")
    expect(page.locator("#field-insurance_other")).to_be_visible()
    page.fill("#field-insurance_other", "共済組合")
    assert_accessible(page, name="step 2")
    page.get_by_role("button", name="次へ").click()

    # Step 3: bank account for the refund.
    page.fill("#field-bank_name", "北國銀行")
    page.fill("#field-branch_name", "大聖寺支店")
    page.locator("input[name=account_type]").first.check()
    page.fill("#field-account_number", "1234567")
    page.fill("#field-account_holder", "ｶｶﾞ ﾀﾛｳ")
    page.get_by_role("button", name="次へ").click()

    # Step 4: the receipt as a PDF; the file type is checked by content, not name.
    pdf = tmp_path / "ryoshusho.pdf"
    pdf.write_bytes(pdf_bytes("領収書"))
    page.set_input_files("#field-receipt_file", str(pdf))
    assert_accessible(page, name="step 4")
    page.get_by_role("button", name="次へ").click()

    # Step 5: declaration, then the review page.
    page.locator("#field-consent").check()  # labelled with the declaration itself
    page.get_by_role("button", name="次へ").click()
    expect(page.get_by_role("heading", name="送信前に内容を確認してください")).to_be_visible()
    review_text = page.locator("main").inner_text()
    assert "カガ\u3000タロウ" in review_text
    assert "昭和50年4月1日" in review_text
    assert "43,000円" in review_text
    assert "ryoshusho.pdf" in review_text
    assert_accessible(page, name="review")
    page.get_by_role("button", name="申請を送信する").click()

    receipt = page.get_by_test_id("receipt-number").inner_text().strip()
    assert RECEIPT.match(receipt)
    assert_accessible(page, name="confirmation")
    screenshot(page, "ningen-dock-done-phone")
    submission = Submission.objects.get(receipt_number=receipt)
    assert submission.answers["name_kana"] == "カガ\u3000タロウ"
    assert submission.answers["phone"] == "0761-72-1111"
    assert submission.answers["amount"] == 43000
    assert submission.attachments.get().content_type == "application/pdf"

    # Staff of the health division log in with password + TOTP and find it.
    page.goto(f"{base}/staff/")
    page.fill("#username", "kaga-kenko")
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="次へ").click()
    page.fill("#code", code_for(demo_totp_key("kaga-kenko")))
    page.get_by_role("button", name="ログイン").click()
    assert_accessible(page, name="staff inbox")
    page.get_by_role("link", name=receipt).click()
    expect(page.get_by_text("加賀 太郎").first).to_be_visible()
    assert_accessible(page, name="staff detail")
    assert (ARTIFACTS / "ningen-dock-step1-phone.png").exists()


def test_survey_works_without_javascript_and_keeps_answers_on_error(
    demo: None, live_server: Any, no_js_page: Any
) -> None:
    page = no_js_page
    page.goto(f"{live_server.url}/281000/shimin-anketo/")
    page.get_by_role("button", name="申請を始める").click()
    page.select_option("#field-ward", label="中央区")
    page.get_by_role("button", name="次へ").click()

    # age_group is missing: the page comes back with an error and the ward is still chosen.
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator("#field-ward").input_value() != ""
    page.locator(".error-summary a").first.click()
    assert page.url.endswith("#field-age_group")
    # axe needs JavaScript; the same templates are checked with it on in the test above.


def test_resident_switches_to_english_and_sees_english_labels_and_errors(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/172065/kosodate-soudan/")

    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Start without the card (type everything yourself)").click()
    page.get_by_role("button", name="Next").click()

    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name=re.compile("problems? to fix"))).to_be_visible()
    assert_accessible(page, name="English step with errors")
