"""Kaga's 市民課 fills in a procedure of the inventory (棚卸) and sends it to the DX office, which
reviews it (axe on the list, the edit page with its error summary, the import and the review)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from madoguchi.catalog.models import Procedure, ReviewState

from .conftest import _csp_violations, assert_accessible, log_in_demo_staff, screenshot


def test_a_department_fills_in_a_procedure_and_the_dx_office_reviews_it(
    demo: None, live_server: Any, browser: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    log_in_demo_staff(page, base, "kaga-shimin")

    page.goto(f"{base}/staff/catalog/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("手続の棚卸")
    expect(page.get_by_test_id("catalog-counts")).to_be_visible()
    assert_accessible(page, name="inventory list")

    page.get_by_test_id("catalog-new").click()
    page.fill("#id_name", "犬の登録（E2E）")
    page.get_by_label("根拠法令").fill("狂犬病予防法第4条")
    page.get_by_test_id("catalog-procedure-form").locator("button[type=submit]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("手続の方法を1つ以上選んでください。")
    expect(page.locator("#id_name")).to_have_value("犬の登録（E2E）")
    assert_accessible(page, name="inventory edit with errors")

    page.get_by_label("オンライン（Madoguchi）").check()
    page.get_by_label("窓口（オンライン事前登録あり）").check()
    page.get_by_label("押印（現在必要）").check()
    page.get_by_test_id("catalog-procedure-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("catalog-state")).to_contain_text("担当課が記入中")
    procedure = Procedure.objects.get(name="犬の登録（E2E）")
    assert procedure.procedure_id.startswith("172065-P") and procedure.seal_required
    page.get_by_test_id("catalog-submit").click()
    expect(page.get_by_test_id("catalog-state")).to_contain_text("DX推進担当へ提出済み")
    screenshot(page, "catalog-inventory-edit")

    page.goto(f"{base}/staff/catalog/sheet/import/")
    assert_accessible(page, name="hearing sheet import")
    context.close()

    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = office.new_page()
    refused += _csp_violations(page)
    log_in_demo_staff(page, base, "kaga-admin")
    page.goto(f"{base}/staff/catalog/?review_state=submitted&seal_review=pending")
    table = page.get_by_test_id("catalog-procedures")
    expect(table).to_contain_text("犬の登録（E2E）")
    assert_accessible(page, name="inventory list filtered")
    table.get_by_role("link", name=procedure.procedure_id).click()
    review = page.get_by_test_id("catalog-review-form")
    review.get_by_label("電子署名に置き換え").check()
    review.get_by_label("DX推進担当のメモ").fill("押印は電子署名で代替")
    review.get_by_role("button", name="確認結果を保存する").click()
    expect(page.get_by_test_id("catalog-state")).to_contain_text("DX推進担当が確認済み")
    expect(page.get_by_label("手続ID")).to_be_disabled()
    assert_accessible(page, name="inventory reviewed")
    screenshot(page, "catalog-inventory-reviewed")

    procedure.refresh_from_db()
    assert procedure.review_state == ReviewState.REVIEWED
    assert procedure.seal_review == "e_signature"
    assert not refused
    office.close()
