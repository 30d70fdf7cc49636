"""On a phone, a resident opens Kobe's procedure list, follows 「カバー率と手続の一覧」 and sees
the rate, its trend, the procedures with their channels and the excluded ones; the open data
files agree with the page (axe on the page, in Japanese and English)."""

from __future__ import annotations

import csv
import io
from typing import Any

from playwright.sync_api import expect

from .conftest import assert_accessible, screenshot


def test_the_public_coverage_page_on_a_phone_agrees_with_its_open_data(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/281000/")
    page.get_by_role("link", name="カバー率と手続の一覧").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("カバー率と手続の一覧")
    expect(page.get_by_test_id("public-target")).to_contain_text("2027-03-31")
    expect(page.get_by_test_id("coverage-chart")).to_be_visible()
    expect(page.get_by_test_id("public-procedures")).to_contain_text("住民票の写しの交付請求")
    expect(page.get_by_test_id("public-excluded")).to_contain_text("婚姻届")
    assert_accessible(page, name="public coverage page")
    screenshot(page, "catalog-public-phone")
    shown = page.get_by_test_id("public-rate-percent").inner_text()

    link = page.get_by_role("link", name="手続一覧（CSV、BOM付きUTF-8）")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.body().decode("utf-8-sig"))))
    targets = [r for r in rows if r["カバー率の対象"] == "対象"]
    smart = sum(int(r["スマート件数"]) for r in targets)
    total = sum(int(r["受付件数"]) for r in targets)
    assert shown == f"{round(smart * 1000 / total) / 10}%"
    assert {r["ID"] for r in rows if r["カバー率の対象"] == "対象外"} >= {
        "JUMIN-0006",
        "JUMIN-0008",
    }

    page.goto(f"{live_server.url}/catalog/281000/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coverage rate and procedures")
    assert_accessible(page, name="public coverage page in English")
