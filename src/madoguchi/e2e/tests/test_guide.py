"""The procedure guide on a phone: Kaga 引越し → the result → the counter pre-registration."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
from madoguchi.guide.models import GuideCount
from madoguchi.testing.staff import code_for

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

    expect(page).to_have_url(
        re.compile(r"/172065/mynumber-card-shinsei/\?channel=counter&from=guide$")
    )
    assert GuideCount.objects.get(procedure="mynumber_card", event="counter").count == 1
    assert GuideCount.objects.filter(event="shown").count() == 3


def test_an_administrator_edits_a_guide_sees_each_problem_and_previews_it(
    demo: None, live_server: Any, browser: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{base}/staff/")
    page.fill("#username", "kaga-admin")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for(demo_totp_key("kaga-admin")))
    page.locator("form button[type=submit]").last.click()

    page.goto(f"{base}/staff/guides/")
    assert_accessible(page, name="staff guide list")
    page.get_by_role("link", name="引越し（加賀市への転入・市内での転居）", exact=True).click()
    # The title opens the builder; the YAML editor is its advanced view.
    page.get_by_role("link", name="上級者向け: このガイドをYAMLで編集する").click()
    assert_accessible(page, name="staff guide edit")
    page.fill("#definition", "title: 引越し\nquestions: []\nprocedures: []\n")
    page.get_by_role("button", name="保存して公開する").click()

    errors = page.get_by_test_id("guide-errors")
    expect(errors.locator("li")).to_have_count(2)
    expect(page.locator("#definition")).to_have_value(
        "title: 引越し\nquestions: []\nprocedures: []\n"
    )
    assert_accessible(page, name="staff guide edit with errors")
    page.goto(f"{base}/staff/guides/hikkoshi/preview/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("引越し")
    assert_accessible(page, name="staff guide preview")
    context.close()
