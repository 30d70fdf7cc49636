"""A resident on a phone chooses to notify a dog's death by post: the channel choice, the
same questions, 「郵送用の申請書を作成」, the page with the reference and the PDF (axe on each)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.mailin.models import MailApplication

from .conftest import assert_accessible, screenshot

REFERENCE = re.compile(r"M-172065-\d{4}-\d{6}")


def test_a_resident_chooses_post_answers_and_gets_the_paper_on_a_phone(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/172065/inu-shibo-todoke/")
    expect(page.get_by_role("radio", name="郵送で申請")).to_be_visible()
    assert_accessible(page, name="mail channel choice")
    screenshot(page, "mail-channel-choice-phone")
    page.get_by_role("radio", name="郵送で申請").check()
    page.get_by_role("button", name="次へ").click()
    expect(page.get_by_test_id("chosen-channel")).to_contain_text("郵送")
    assert_accessible(page, name="mail form start")
    page.get_by_role("button", name="カードを使わずに始める（すべて手入力）").click()

    page.fill("#field-owner_name", "加賀 太郎")
    page.fill("#field-owner_kana", "カガ タロウ")
    page.fill("#field-postal_code", "9228622")
    page.fill("#field-address", "石川県加賀市大聖寺南町ニ41")
    page.fill("#field-phone", "0761721111")
    page.get_by_role("button", name="次へ").click()

    died = timezone.localdate() - timedelta(days=3)
    page.fill("#field-tag_number", "2024-0123")
    page.fill("#field-dog_name", "ポチ")
    page.fill("#field-breed", "柴犬")
    page.select_option("#field-death_date-era", "seireki")
    page.fill("#field-death_date-year", str(died.year))
    page.fill("#field-death_date-month", str(died.month))
    page.fill("#field-death_date-day", str(died.day))
    page.select_option("#field-death_cause", "old_age")
    page.get_by_role("button", name="次へ").click()

    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="次へ").click()

    expect(page.get_by_role("button", name="郵送用の申請書を作成")).to_be_visible()
    assert_accessible(page, name="mail review")
    page.get_by_role("button", name="郵送用の申請書を作成").click()

    expect(page.get_by_test_id("mail-reference")).to_have_text(REFERENCE)
    expect(page.get_by_test_id("mail-enclosures")).to_contain_text("鑑札")
    assert_accessible(page, name="mail prepared")
    screenshot(page, "mail-prepared-phone")
    application = MailApplication.objects.get()
    assert application.answers["dog_name"] == "ポチ"
    with page.expect_download() as download:
        page.get_by_test_id("mail-pdf").click()
    assert download.value.suggested_filename == f"{application.reference}.pdf"
    assert download.value.path().read_bytes()[:5] == b"%PDF-"
