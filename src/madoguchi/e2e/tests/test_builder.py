"""A department's staff member builds 子育て相談申し込み in the browser, with a rule,
previews it at phone width, publishes it, and a resident submits it.

Selectors are ids and button values, not English/Japanese labels, so the test holds
whatever the translation says. Chosen screenshots are copied to docs/images/ for
docs/builder.md (committed), the rest stay in test-artifacts/.
"""

from __future__ import annotations

import shutil
from typing import Any

from playwright.sync_api import expect

from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Submission
from madoguchi.testing.staff import code_for

from .conftest import REPO, assert_accessible, screenshot

DOC_IMAGES = REPO / "docs" / "images"


def _shot(page: Any, name: str) -> None:
    path = screenshot(page, name)
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOC_IMAGES / f"{name}.png")


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/staff/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for(demo_totp_key(username)))
    page.locator("form button[type=submit]").last.click()


def _add_field(page: Any, step: str, kind: str, label: str) -> None:
    page.select_option(f"#add-type-{step}", kind)
    page.fill(f"#add-label-{step}", label)
    page.locator(f"#step-{step} button[value=add_field]").click()


def _save_field(page: Any) -> None:
    page.locator("form.builder-props button[type=submit]").click()


def test_staff_build_preview_and_publish_a_form_and_a_resident_submits_it(
    demo: None, live_server: Any, browser: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    _login(page, base, "kaga-kosodate")

    page.goto(f"{base}/staff/forms/")
    assert_accessible(page, name="builder list")
    page.goto(f"{base}/staff/forms/new/")
    page.fill("#title_ja", "子育て相談申し込み")
    # A URL name in Japanese: every problem at once, in Japanese, with a free suggestion.
    page.fill("#slug", "こそだて")
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("#slug-error")).to_contain_text("URL 名には半角の英小文字")
    expect(page.locator("#slug-error")).to_contain_text("候補:")
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page, name="builder new form with errors")
    screenshot(page, "builder-new-form-errors")
    page.fill("#slug", "kosodate-moushikomi")
    assert_accessible(page, name="builder new form")
    page.locator("form.stack button[type=submit]").click()
    # The first page is named after the procedure, not 「入力」.
    expect(page.locator("#step-step_1-title")).to_contain_text("子育て相談申し込み")

    # Questions: the name, how to talk, and an email only for online consultations.
    _add_field(page, "step_1", "text", "保護者の氏名")
    page.check("#prop-required")
    _save_field(page)
    _add_field(page, "step_1", "choice", "相談方法")
    page.fill("#prop-options", "来所\n電話\nオンライン（ビデオ通話）")
    page.check("#prop-required")
    assert_accessible(page, name="builder field editor")
    _save_field(page)
    _add_field(page, "step_1", "email", "メールアドレス")
    # New questions are required; this one only when the rule below says so.
    expect(page.locator("#prop-required")).to_be_checked()
    page.uncheck("#prop-required")
    _save_field(page)

    # The rule editor: "shown when 相談方法 is オンライン" and "required when ...".
    page.goto(
        f"{base}/staff/forms/{Form.objects.get(slug='kosodate-moushikomi').pk}/fields/email_1/"
    )
    for target in ("visible_if", "required_if"):
        page.select_option(f"#{target}-field", "choice_1")
        # Choosing does not submit (WCAG 3.2.2): the page stays until 次へ is pressed.
        expect(page.locator(f"#{target}-op")).to_have_count(0)
        page.locator(f"#rule-{target} form.builder-add button[type=submit]").click()
        page.select_option(f"#{target}-op", "eq")
        page.select_option(f"#{target}-value", label="オンライン（ビデオ通話）")
        page.locator(f"#rule-{target} form.builder-add button[type=submit]").click()
    expect(page.get_by_test_id("rule-summary-visible_if")).to_contain_text(
        "「相談方法」が「オンライン（ビデオ通話）」のとき"
    )
    assert_accessible(page, name="builder rule editor")
    _shot(page, "builder-rule-editor")

    form = Form.objects.get(slug="kosodate-moushikomi")
    page.goto(f"{base}/staff/forms/{form.pk}/")
    expect(page.get_by_test_id("rule-summaries")).to_contain_text("「メールアドレス」は")
    # Keyboard and no-JS path: move a question with the Down button.
    page.locator("#field-text_1-item button[value=field_down]").click()
    expect(page.locator(".builder-field").first).to_have_attribute("data-key", "choice_1")
    page.locator("#field-text_1-item button[value=field_up]").click()
    expect(page.locator(".builder-field").first).to_have_attribute("data-key", "text_1")
    # Only optional questions are marked (here: none but the email, required by a rule).
    expect(page.locator(".builder-field .tag-optional")).to_have_count(0)
    assert_accessible(page, name="builder draft page")
    _shot(page, "builder-draft")

    # Settings: category (「その他」 is last for residents) and which changes are emailed.
    page.goto(f"{base}/staff/forms/{form.pk}/settings/")
    page.fill("#category_ja", "子育て・教育")
    expect(page.locator("#notify-approved")).to_be_checked()
    expect(page.locator("#notify-in_review")).not_to_be_checked()
    assert_accessible(page, name="builder settings")
    screenshot(page, "builder-settings")
    page.locator("#category_ja").blur()
    page.locator("main form.stack button[type=submit]").last.click()
    expect(page).to_have_url(f"{base}/staff/forms/{form.pk}/")
    form.refresh_from_db()
    assert form.category == {"ja": "子育て・教育"}

    # Print and post: once offered and saved, the page edits the mail block (no JavaScript).
    settings = f"{base}/staff/forms/{form.pk}/settings/"
    page.goto(settings)
    page.locator("#channel-mail").check()
    page.locator("main form.stack button[type=submit]").last.click()
    page.goto(settings)
    page.fill("#mail_enclosures", "本人確認書類の写し | A copy of your ID\n返信用封筒")
    page.locator("#mail_handwritten_signature").check()
    assert_accessible(page, name="builder settings with mail")
    page.locator("main form.stack button[type=submit]").last.click()
    expect(page).to_have_url(f"{base}/staff/forms/{form.pk}/")
    # Online only again for the resident below; the mail block stays in the draft.
    page.goto(settings)
    expect(page.locator("#mail_enclosures")).to_have_value(
        "本人確認書類の写し | A copy of your ID\n返信用封筒"
    )
    page.locator("#channel-mail").uncheck()
    page.locator("main form.stack button[type=submit]").last.click()
    expect(page).to_have_url(f"{base}/staff/forms/{form.pk}/")

    # Live preview at phone width: the rule shows the email field, validation speaks.
    page.goto(f"{base}/staff/forms/{form.pk}/preview/?width=phone")
    expect(page.locator("#field-email_1").locator("xpath=..")).to_be_hidden()
    page.locator("input[name=choice_1][value=option_3]").check()
    expect(page.locator("#field-email_1")).to_be_visible()
    page.locator(".builder-preview form button[type=submit]").click()
    expect(page.get_by_test_id("preview-result")).to_be_visible()
    expect(page.locator("#field-email_1-error")).to_be_visible()
    assert_accessible(page, name="builder preview")
    _shot(page, "builder-preview-phone")

    page.goto(f"{base}/staff/forms/{form.pk}/publish/")
    expect(page.get_by_test_id("changes")).to_contain_text("メールアドレス")
    # Labels, not codes: 「本人確認: なし（自己申告）」, never `none` or `online`.
    expect(page.get_by_test_id("changes")).to_contain_text("本人確認: なし（自己申告）")
    expect(page.get_by_test_id("changes")).to_contain_text("申請経路: 電子申請")
    expect(page.get_by_test_id("changes")).not_to_contain_text("online")
    assert_accessible(page, name="builder publish")
    _shot(page, "builder-publish")
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_test_id("builder-status")).to_contain_text("1")
    form.refresh_from_db()
    assert form.current_version is not None
    context.close()

    # A resident applies for an online consultation on a phone.
    resident = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    phone = resident.new_page()
    phone.goto(f"{base}/172065/kosodate-moushikomi/")
    phone.get_by_role("button", name="申請を始める").click()
    phone.fill("#field-text_1", "加賀 花子")
    phone.get_by_label("オンライン（ビデオ通話）").check()
    expect(phone.locator("#field-email_1")).to_be_visible()
    phone.fill("#field-email_1", "hanako@example.jp")
    phone.get_by_role("button", name="次へ").click()
    phone.get_by_role("button", name="申請を送信する").click()
    receipt = phone.get_by_test_id("receipt-number").inner_text().strip()
    submission = Submission.objects.get(receipt_number=receipt)
    assert submission.form_version == form.current_version
    assert submission.answers == {
        "text_1": "加賀 花子",
        "choice_1": "option_3",
        "email_1": "hanako@example.jp",
    }
    resident.close()
