"""A resident proves who they are with a demo My Number Card; the card's items are locked."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from madoguchi.identity.models import VerifiedIdentity

from .conftest import assert_accessible, screenshot


def _start_with_card(page: Any, base: str) -> None:
    page.goto(f"{base}/172065/ningen-dock-josei/")
    page.get_by_role("button", name="デジタル認証アプリで本人確認して始める").click()
    expect(page.get_by_role("heading", name="マイナンバーカードで本人確認")).to_be_visible()


def test_a_resident_logs_in_with_a_demo_card_and_sees_the_basic_four_items_locked(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    _start_with_card(page, live_server.url)
    assert_accessible(page, name="devidp card page")
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "1234")
    page.get_by_role("button", name="本人確認する").click()

    expect(page.locator(".identity-banner")).to_be_visible()
    name = page.locator("#field-name")
    expect(name).to_have_value(re.compile("加賀.太郎"))
    assert name.get_attribute("readonly") is not None
    assert page.locator("#field-address").get_attribute("readonly") is not None
    # Locked choices and dates read as text in read-only boxes, not greyed-out radios.
    expect(page.locator("#field-birth_date")).to_have_attribute("readonly", "")
    expect(page.locator("#field-sex")).to_have_attribute("readonly", "")
    assert page.locator("input[name=sex]").count() == 0
    # The lock's note describes each locked box; the typing hint is not shown.
    expect(page.locator("#field-address")).to_have_attribute(
        "aria-describedby", "field-address-locked"
    )
    # The card gives no postal code: it is filled from the address, and stays editable.
    expect(page.locator("#field-postal_code")).to_have_value("922-0811")
    assert page.locator("#field-postal_code").get_attribute("readonly") is None
    assert page.locator("#field-phone").get_attribute("readonly") is None
    expect(page.get_by_text("マイナンバーカードの情報から入力されています").first).to_be_visible()
    assert_accessible(page, name="step 1 with locked items")
    screenshot(page, "ningen-dock-card-locked-phone")
    assert VerifiedIdentity.objects.get().basic_four["birth_date"]


def test_a_wrong_pin_is_counted_and_a_revoked_card_is_refused(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    _start_with_card(page, live_server.url)
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "0000")
    page.get_by_role("button", name="本人確認する").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, name="devidp wrong PIN")

    page.locator("#resident-kaga-takahashi").check()
    page.fill("#pin", "7391")
    page.get_by_role("button", name="本人確認する").click()

    expect(page.get_by_role("heading", name="本人確認が完了しませんでした")).to_be_visible()
    assert "revoked" in page.locator("main").inner_text()
    assert_accessible(page, name="identity failed")
    assert not VerifiedIdentity.objects.exists()
