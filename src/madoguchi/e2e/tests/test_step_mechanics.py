"""Step mechanics in a real browser (issue 13), on a phone and a desktop, axe on every page:
Enter means 次へ and the postal lookup never erases a typed address (item 1), the language
switch keeps what was typed (item 4); 一時保存 keeps what was typed, emails the link and the
start page offers 「続きから」 (item 2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from .conftest import _csp_violations, assert_accessible, screenshot

FULL_ADDRESS = "石川県加賀市大聖寺南町ニ41 市営住宅3-201"

SIZES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(params=sorted(SIZES))
def sized_page(request: Any, browser: Any) -> Iterator[tuple[str, Any]]:
    context = browser.new_context(locale="ja-JP", **SIZES[request.param])
    page = context.new_page()
    refused = _csp_violations(page)
    yield request.param, page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def _start_ningen_dock(page: Any, base: str) -> None:
    page.goto(f"{base}/172065/")
    page.get_by_role("link", name="人間ドック助成金申請").click()
    page.get_by_role("button", name="カードを使わずに始める（すべて手入力）").click()
    expect(page.locator("#field-address")).to_be_visible()


def test_enter_means_next_and_the_lookup_never_erases_the_typed_address(
    demo: None, live_server: Any, sized_page: tuple[str, Any]
) -> None:
    size, page = sized_page
    _start_ningen_dock(page, live_server.url)
    page.fill("#field-postal_code", "9228622")
    page.fill("#field-address", FULL_ADDRESS)

    # 「住所を検索」 keeps a longer address that begins with the town's.
    page.get_by_role("button", name="住所を検索").click()
    expect(page.locator("#field-address")).to_have_value(FULL_ADDRESS)

    # Enter in a field is 次へ: the page is checked (errors for the empty fields), the
    # address is still the full one.
    page.locator("#field-address").press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#field-address")).to_have_value(FULL_ADDRESS)
    assert_accessible(page, name=f"step after Enter ({size})")

    # A different address is only offered; it replaces the typed one on request.
    page.fill("#field-address", "東京都千代田区1-1")
    page.get_by_role("button", name="住所を検索").click()
    suggestion = page.locator(".address-suggestion")
    expect(suggestion).to_contain_text("石川県加賀市大聖寺南町")
    expect(page.locator("#field-address")).to_have_value("東京都千代田区1-1")
    assert_accessible(page, name=f"address suggestion ({size})")
    screenshot(page, f"step-address-suggestion-{size}")
    suggestion.get_by_role("button", name="この住所を使う").click()
    expect(page.locator("#field-address")).to_have_value("石川県加賀市大聖寺南町")

    # The language switch keeps what was typed on the page (item 4).
    page.fill("#field-address", FULL_ADDRESS)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#field-address")).to_have_value(FULL_ADDRESS)
    expect(page.locator("#field-postal_code")).to_have_value("922-8622")
    assert_accessible(page, name=f"step in English after the switch ({size})")


def test_save_keeps_invalid_answers_emails_the_link_and_the_start_page_continues(
    demo: None, live_server: Any, sized_page: tuple[str, Any]
) -> None:
    size, page = sized_page
    _start_ningen_dock(page, live_server.url)
    start_url = page.url
    page.fill("#field-name_kana", "加賀")  # not katakana: invalid, kept anyway
    page.fill("#field-address", FULL_ADDRESS)

    page.get_by_role("button", name="一時保存して後で続ける").click()
    expect(page.get_by_role("heading", name="入力内容を一時保存しました")).to_be_visible()
    assert_accessible(page, name=f"saved page ({size})")
    resume = page.get_by_test_id("resume-link").inner_text()
    page.get_by_label("メールアドレス").fill("taro@example.jp")
    page.get_by_role("button", name="リンクを送る").click()
    expect(page.get_by_test_id("resume-sent")).to_be_visible()
    assert_accessible(page, name=f"saved page, link sent ({size})")
    screenshot(page, f"saved-page-{size}")
    assert resume in mail.outbox[-1].body

    # The start page of the procedure offers 「続きから」 in this browser.
    page.goto(start_url.split("/apply/")[0] + "/172065/")
    page.get_by_role("link", name="人間ドック助成金申請").click()
    continue_box = page.get_by_test_id("continue-draft")
    expect(continue_box).to_be_visible()
    assert_accessible(page, name=f"start page with 続きから ({size})")
    screenshot(page, f"start-page-continue-{size}")
    continue_box.get_by_role("link", name="続きから").click()
    expect(page.locator("#field-name_kana")).to_have_value("加賀")
    expect(page.locator("#field-address")).to_have_value(FULL_ADDRESS)
    assert_accessible(page, name=f"resumed step ({size})")
