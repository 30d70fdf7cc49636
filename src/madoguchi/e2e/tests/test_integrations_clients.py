"""A city administrator registers a back-office system in a real browser and sees its secret
once (axe on each page)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from madoguchi.e2e.tests.conftest import assert_accessible
from madoguchi.integrations.models import SystemClient
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import STAFF_PASSWORD, DepartmentFactory, StaffFactory
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser


def test_an_administrator_registers_a_system_and_sees_the_secret_once(
    transactional_db: None,
    live_server: Any,
    browser: Any,
) -> None:
    department = DepartmentFactory(name="市民課")
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    # JavaScript on only for axe (it runs in the page); the pages themselves use none.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/staff/")
    page.fill("#username", admin.user.get_username())
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("form button[type=submit]").last.click()

    page.goto(f"{base}/staff/integrations/clients/")
    expect(page.get_by_role("heading", level=1)).to_have_text("基幹システム連携（システムAPI）")
    assert_accessible(page, name="clients list")
    page.get_by_role("link", name="システムを登録").click()
    page.get_by_role("button", name="登録してシークレットを表示").click()
    expect(page.locator(".error-summary")).to_contain_text("システムの名前を入力してください。")
    assert_accessible(page, name="register form with errors")
    page.get_by_label("システムの名前").fill("住民記録システム")
    page.get_by_label("市民課").check()
    page.get_by_label("申請の取得と処理状況の更新").check()
    page.get_by_role("button", name="登録してシークレットを表示").click()

    secret = page.get_by_test_id("client-secret").inner_text()
    client = SystemClient.objects.get()
    expect(page.get_by_test_id("client-id")).to_have_text(client.client_id)
    assert len(secret) >= 43
    assert_accessible(page, name="secret shown once")
    page.get_by_role("link", name="完了（システムのページに戻る）").click()
    expect(page.get_by_test_id("secrets")).to_contain_text(secret[-4:])
    assert secret not in page.content()
    assert_accessible(page, name="client detail")
    context.close()
