"""The procedure guide on a phone: Kaga 引越し → the result → the counter pre-registration."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from madoguchi.guide.models import GuideCount

from .conftest import assert_accessible, screenshot


def test_the_moving_guide_leads_from_the_result_to_the_counter_pre_registration(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page

    page.goto(f"{live_server.url}/guide/172065/hikkoshi/")
    assert_accessible(page, name="guide questions (phone)")
    page.get_by_label("ほかの市区町村から加賀市へ").check()
    page.get_by_role("group", name="マイナンバーカードをお持ちですか").get_by_label(
        "いいえ"
    ).check()
    page.get_by_role("button", name="必要な手続きを表示する").click()
    # The insurance question applies only to a move from another municipality: asked now,
    # with the answers kept and no error.
    expect(page.locator(".error-message")).to_have_count(0)
    expect(page.get_by_label("いいえ")).to_be_checked()
    page.get_by_label("国民健康保険", exact=True).check()
    page.get_by_role("button", name="必要な手続きを表示する").click()

    result = page.get_by_test_id("guide-result")
    expect(result).to_contain_text("転入日から14日以内")
    expect(result.locator("li.card")).to_have_count(3)  # 転入届, マイナンバーカード, 国民健康保険
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, name="guide result (phone)")
    screenshot(page, "guide-result-phone")
    page.locator("#procedure-mynumber_card").get_by_role(
        "link", name="窓口の事前登録をする"
    ).click()

    expect(page).to_have_url(re.compile(r"/172065/mynumber-card-shinsei/\?channel=counter$"))
    assert GuideCount.objects.get(procedure="mynumber_card", event="counter").count == 1
    assert GuideCount.objects.filter(event="shown").count() == 3
