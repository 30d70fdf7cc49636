"""Questions as residents meet them (issue 13): tags that tell the truth, years as typed,
amounts with 円, a lookup that clears its own error, autocomplete for names and addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import _csp_violations, assert_accessible, screenshot

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(params=sorted(VIEWPORTS))
def any_page(request: Any, browser: Any) -> Iterator[Any]:
    """A Japanese page with JavaScript on, as a phone and as a desktop."""
    context = browser.new_context(locale="ja-JP", **VIEWPORTS[request.param])
    page = context.new_page()
    page.viewport_name = request.param
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def _start_ningen_dock(page: Any, base: str) -> None:
    page.goto(f"{base}/172065/ningen-dock-josei/")
    page.get_by_role("button", name="カードを使わずに始める（すべて手入力）").click()
    expect(page.locator("h1")).to_contain_text("申請者")


def _fill_applicant(page: Any) -> None:
    page.fill("#field-name", "加賀 太郎")
    page.fill("#field-name_kana", "カガ タロウ")
    # The era selector is left as it is: the resident types the year they know.
    page.fill("#field-birth_date-year", "1955")
    page.fill("#field-birth_date-month", "4")
    page.fill("#field-birth_date-day", "1")
    page.get_by_label("男", exact=True).check()
    page.fill("#field-address", "石川県加賀市大聖寺南町ニ41")
    page.fill("#field-phone", "0761721111")
    page.fill("#field-email", "taro@example.jp")


def test_name_address_and_birth_date_carry_their_input_purpose_and_a_western_year_passes(
    demo: None, live_server: Any, any_page: Any
) -> None:
    page = any_page
    _start_ningen_dock(page, live_server.url)

    expect(page.locator("#field-name")).to_have_attribute("autocomplete", "name")
    expect(page.locator("#field-address")).to_have_attribute("autocomplete", "street-address")
    expect(page.locator("#field-birth_date-year")).to_have_attribute("autocomplete", "bday-year")
    expect(page.locator("#field-birth_date-era")).to_have_value("seireki")
    _fill_applicant(page)
    page.select_option("#field-birth_date-era", "reiwa")  # the old default: still 1955
    page.fill("#field-postal_code", "922-0811")
    assert_accessible(page, name=f"step 1 filled ({page.viewport_name})")
    screenshot(page, f"fields-step1-{page.viewport_name}")
    page.get_by_role("button", name="次へ").click()

    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator("h1")).to_contain_text("受診内容")


def test_a_conditionally_required_question_shows_the_tag_that_is_true_as_answers_change(
    demo: None, live_server: Any, any_page: Any
) -> None:
    page = any_page
    _start_ningen_dock(page, live_server.url)
    _fill_applicant(page)
    page.fill("#field-postal_code", "922-0811")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("h1")).to_contain_text("受診内容")

    other = page.locator('[data-field="insurance_other"]')
    tag = other.locator(".tag")
    page.select_option("#field-insurance", "other")
    expect(other).to_be_visible()
    expect(tag).to_have_text("必須")
    assert_accessible(page, name=f"step 2, insurance other ({page.viewport_name})")
    screenshot(page, f"fields-conditional-required-{page.viewport_name}")
    page.select_option("#field-insurance", "kokuho")
    expect(other).to_be_hidden()

    # An amount as residents write it, full-width with 円.
    exam = timezone.localdate() - timedelta(days=20)
    page.fill("#field-clinic", "加賀市医療センター")
    page.fill("#field-exam_date-year", str(exam.year))
    page.fill("#field-exam_date-month", str(exam.month))
    page.fill("#field-exam_date-day", str(exam.day))
    page.get_by_label("日帰り").first.check()
    page.fill("#field-amount", "３５，０００円")
    page.get_by_role("button", name="次へ").click()

    expect(page.locator("h1")).to_contain_text("振込先")


def test_a_postal_code_fixed_by_the_lookup_takes_its_error_out_of_the_summary(
    demo: None, live_server: Any, any_page: Any
) -> None:
    page = any_page
    _start_ningen_dock(page, live_server.url)
    page.fill("#field-postal_code", "999-9999")
    page.get_by_role("button", name="次へ").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("郵便番号 999-9999 は存在しません")
    # The page's h1 is its first heading; the summary still has the focus.
    assert page.evaluate("() => document.querySelector('main h1, main h2').tagName") == "H1"
    expect(summary).to_be_focused()
    assert_accessible(page, name=f"step 1, unknown postcode ({page.viewport_name})")
    screenshot(page, f"fields-unknown-postcode-{page.viewport_name}")

    page.fill("#field-postal_code", "9220811")
    page.get_by_role("button", name="住所を検索").click()

    expect(page.locator("#field-address")).to_have_value(re.compile("^石川県加賀市大聖寺南町"))
    expect(summary.locator('a[href="#field-postal_code"]')).to_have_count(0)
    expect(summary.locator('a[href="#field-address"]')).to_have_count(0)
    expect(page.locator('[data-field="postal_code"] .error-message')).to_have_count(0)
    expect(summary).to_contain_text("氏名")  # what is still to fix stays listed
    assert_accessible(page, name=f"step 1 after lookup ({page.viewport_name})")


def test_without_javascript_the_server_tags_a_conditional_question_from_the_answers(
    demo: None, live_server: Any, no_js_page: Any
) -> None:
    page = no_js_page
    _start_ningen_dock(page, live_server.url)
    _fill_applicant(page)
    page.fill("#field-postal_code", "922-0811")
    page.get_by_role("button", name="次へ").click()
    page.select_option("#field-insurance", "other")
    page.get_by_role("button", name="次へ").click()

    other = page.locator('[data-field="insurance_other"]')
    expect(other).to_be_visible()
    expect(other.locator(".tag")).to_have_text("必須")
    expect(page.locator(".error-summary")).to_contain_text("加入している保険の名称")
    # axe needs JavaScript; the same page is checked with it on in the tests above.
    screenshot(page, "fields-conditional-required-no-js")
