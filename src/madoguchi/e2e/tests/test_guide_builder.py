"""The guide builder: an administrator builds a small 結婚 guide without code (two questions,
one asked only after a yes; three procedures: a Madoguchi form, a ぴったりサービス link and a
paper-only notice), publishes it, and a phone gets the right result."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from madoguchi.guide.models import Guide

from .conftest import assert_accessible, doc_screenshot, log_in_demo_staff, screenshot


def _add_procedure(page: Any, *, title: str, what: str, who: str) -> None:
    page.fill("#p_title", title)
    page.fill("#p_what", what)
    page.fill("#p_who", who)
    page.get_by_role("button", name="手続きを追加する").click()


def _applies_when_yes_to(page: Any, question: str) -> None:
    page.get_by_label("下でチェックした回答がすべてそろったとき").check()
    page.get_by_role("group", name=question).get_by_label("はい").check()


def test_an_administrator_builds_a_marriage_guide_and_a_phone_sees_the_right_result(
    demo: None, live_server: Any, browser: Any, phone_page: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    log_in_demo_staff(page, base, "kaga-admin")

    page.goto(f"{base}/staff/guides/")
    page.get_by_role("link", name="新しいガイド", exact=True).click()
    assert_accessible(page, name="guide builder: new guide")
    page.fill("#title", "結婚")
    page.fill("#title_en", "Marriage")
    page.fill("#slug", "kekkon")
    page.get_by_label("結婚", exact=True).check()
    page.get_by_role("button", name="ガイドを作成する").click()
    # The guide starts with the life event's question and its paper-only procedure (婚姻届).
    expect(page.get_by_test_id("builder-questions")).to_contain_text("氏（名字）が変わりますか")
    expect(page.get_by_test_id("builder-procedures")).to_contain_text("婚姻届")

    page.fill("#q_text", "マイナンバーカードをお持ちですか")
    page.get_by_role("button", name="質問を追加する").click()
    assert_accessible(page, name="guide builder: question")
    screenshot(page, "guide-builder-question")
    _applies_when_yes_to(page, "結婚後、氏（名字）が変わりますか")
    page.get_by_role("button", name="質問を保存する").click()
    expect(page.get_by_test_id("builder-questions")).to_contain_text(
        "「結婚後、氏（名字）が変わりますか」が「はい」のときに質問します"
    )

    page.get_by_label("この自治体の公開中のフォームで").check()
    page.select_option("#p_form", "mynumber-card-shinsei")
    _add_procedure(
        page,
        title="マイナンバーカードの氏名変更",
        what="カードの券面の氏名を書き換えます",
        who="本人",
    )
    assert_accessible(page, name="guide builder: procedure")
    screenshot(page, "guide-builder-procedure")
    _applies_when_yes_to(page, "マイナンバーカードをお持ちですか")
    page.get_by_role("button", name="手続きを保存する").click()

    page.get_by_label("ほかの場所で: 紙の届出").check()
    page.select_option("#p_channel", "online")
    page.fill("#p_site", "マイナポータル（ぴったりサービス）")
    page.fill("#p_url", "http://app.oss.myna.go.jp/")
    _add_procedure(
        page, title="児童手当の氏名変更", what="受給者の氏名の変更を届け出ます", who="受給者"
    )
    # Refused beside the link, in Japanese, with everything typed kept; nothing saved.
    expect(page.get_by_test_id("builder-errors")).to_contain_text("https:// で始まり")
    expect(page.locator("#p_url-error")).to_be_visible()
    expect(page.locator("#p_title")).to_have_value("児童手当の氏名変更")
    assert_accessible(page, name="guide builder with errors")
    assert len(Guide.objects.get(slug="kekkon").definition["procedures"]) == 2
    page.fill("#p_url", "https://app.oss.myna.go.jp/")
    _add_procedure(
        page, title="児童手当の氏名変更", what="受給者の氏名の変更を届け出ます", who="受給者"
    )
    _applies_when_yes_to(page, "結婚後、氏（名字）が変わりますか")
    page.get_by_role("button", name="手続きを保存する").click()

    expect(page.get_by_test_id("builder-procedures").locator("li")).to_have_count(3)
    assert_accessible(page, name="guide builder")
    page.get_by_role("button", name="このガイドを公開する").click()
    expect(page.get_by_test_id("builder-status")).to_contain_text("公開中")
    doc_screenshot(page, "guide-builder")
    context.close()

    phone = phone_page
    phone.goto(f"{base}/guide/172065/kekkon/")
    expect(phone.locator("fieldset.question")).to_have_count(1)
    phone.get_by_label("はい").check()
    phone.get_by_role("button", name="必要な手続きを表示する").click()
    # The card question is asked only now, after the yes.
    phone.get_by_role("group", name="マイナンバーカードをお持ちですか").get_by_label("はい").check()
    phone.get_by_role("button", name="必要な手続きを表示する").click()

    result = phone.get_by_test_id("guide-result")
    expect(result.locator("li.card")).to_have_count(3)
    expect(result).to_contain_text("婚姻届")
    card = phone.locator("#procedure-mynumber_card_shinsei")
    expect(card.get_by_role("link", name="窓口の事前登録をする")).to_be_visible()
    expect(phone.locator("#procedure-procedure_1")).to_contain_text("ぴったりサービス")
    assert_accessible(phone, name="built guide result (phone)")
    card.get_by_role("link", name="窓口の事前登録をする").click()
    expect(phone).to_have_url(
        re.compile(r"/172065/mynumber-card-shinsei/\?channel=counter&from=guide$")
    )


def test_the_builder_works_without_javascript(
    demo: None, live_server: Any, no_js_page: Any
) -> None:
    page = no_js_page
    base = live_server.url
    log_in_demo_staff(page, base, "kaga-admin")

    page.goto(f"{base}/staff/guides/new/build/")
    page.fill("#title", "介護")
    page.fill("#slug", "kaigo")
    page.get_by_label("介護", exact=True).check()
    page.get_by_role("button", name="ガイドを作成する").click()
    page.fill("#q_text", "介護が必要な方はどちらにお住まいですか")
    page.get_by_label("一つ選ぶ").check()
    page.fill("#q_options", "自宅\n施設")
    page.get_by_role("button", name="質問を追加する").click()
    page.get_by_role("link", name="ガイドに戻る").click()
    page.locator("#question-question_1").get_by_role("button", name="上へ").click()

    questions = Guide.objects.get(slug="kaigo").parsed.questions
    assert questions[0].text.ja == "介護が必要な方はどちらにお住まいですか"
    assert [o.label.ja for o in questions[0].options] == ["自宅", "施設"]
    expect(page.get_by_test_id("builder-questions").locator("li").first).to_contain_text("自宅")
