"""A city administrator registers the city's recovery key and a department key in a real
browser, compares their fingerprints, is told in Japanese what to fix in a key that is not one,
and turns encryption on for the city (axe on each page state, desktop and phone widths)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from madoguchi.e2e.tests.conftest import assert_accessible
from madoguchi.integrations import crypto
from madoguchi.integrations.models import EncryptionKey, EncryptionPolicy, KeyPurpose
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    STAFF_PASSWORD,
    DepartmentFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _public_key() -> tuple[str, str]:
    """A new public key as ``madoguchi keys generate`` prints it, and its fingerprint."""
    public = crypto.generate_keypair()[1]
    return f"{crypto.PUBLIC_PREFIX}{crypto.b64encode(public)}", crypto.fingerprint(public)


def _accessible_at_both_widths(page: Any, *, name: str) -> None:
    assert_accessible(page, name=f"{name} (desktop)")
    page.set_viewport_size(PHONE)
    assert_accessible(page, name=f"{name} (phone)")
    page.set_viewport_size(DESKTOP)


def test_an_administrator_registers_keys_and_turns_encryption_on(
    transactional_db: None,
    live_server: Any,
    browser: Any,
) -> None:
    department: Department = DepartmentFactory(name="市民課")
    publish_form(department=department)  # so the city's encryption needs this department's key
    admin: StaffMember = StaffFactory(
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    escrow_key, escrow_fingerprint = _public_key()
    department_key, department_fingerprint = _public_key()
    # JavaScript on only for axe (it runs in the page); the pages themselves use none.
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/staff/")
    page.fill("#username", admin.user.get_username())
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("form button[type=submit]").last.click()

    page.goto(f"{base}/staff/integrations/keys/")
    expect(page.get_by_role("heading", level=1)).to_have_text("エンドツーエンド暗号化")
    expect(page.get_by_test_id("keys")).to_contain_text("鍵はまだありません。")
    _accessible_at_both_widths(page, name="keys page (no keys)")
    page.get_by_label("復旧用鍵（エスクロー）").check()
    page.get_by_label("公開鍵", exact=True).fill(escrow_key)
    page.get_by_role("button", name="鍵を登録する").click()
    expect(page.get_by_test_id("keys")).to_contain_text(escrow_fingerprint)
    expect(page.locator("main")).to_contain_text("フィンガープリントがLGWAN側ノードで")
    _accessible_at_both_widths(page, name="escrow key registered")

    page.get_by_label("担当課の鍵").check()
    page.locator("#department").select_option(label="市民課")
    page.get_by_label("公開鍵", exact=True).fill(department_key)
    page.get_by_role("button", name="鍵を登録する").click()
    expect(page.get_by_test_id("keys")).to_contain_text(department_fingerprint)
    expect(page.get_by_test_id("keys")).to_contain_text("市民課")

    typed = "x25519:abc-not-a-key"
    page.get_by_label("担当課の鍵").check()
    page.locator("#department").select_option(label="市民課")
    page.get_by_label("公開鍵", exact=True).fill(typed)
    page.get_by_role("button", name="鍵を登録する").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("X25519の公開鍵ではありません")
    expect(summary).to_contain_text("「madoguchi keys generate」が表示したものを貼り付けて")
    expect(page.locator("#public_key-error")).to_contain_text("32バイトのbase64url")
    expect(page.get_by_label("公開鍵", exact=True)).to_have_value(typed)
    expect(page.get_by_label("公開鍵", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#department")).to_have_value(str(department.pk))
    _accessible_at_both_widths(page, name="invalid key refused")

    city = page.get_by_test_id("policies").get_by_role("row", name="自治体全体")
    city.get_by_role("button", name="有効にする").click()
    expect(page.locator("main")).to_contain_text("新しい申請の暗号化を有効にしました。")
    expect(city).to_contain_text("有効")
    expect(city.get_by_role("button")).to_have_text("無効にする")
    _accessible_at_both_widths(page, name="encryption on for the city")

    assert EncryptionPolicy.objects.get(form=None).enabled
    assert set(EncryptionKey.objects.values_list("purpose", "fingerprint")) == {
        (KeyPurpose.ESCROW, escrow_fingerprint),
        (KeyPurpose.DEPARTMENT, department_fingerprint),
    }
    context.close()
