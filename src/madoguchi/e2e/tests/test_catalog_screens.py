"""The city's instruments as docs/coverage.md shows them, taken by the browser (axe on each):
the trend chart readable on a 360 px phone (no two labels meet, text at least 11 px) on the
public page and the dashboard; the DX office's inventory, publication switch and public page
on a desktop."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.catalog import coverage

from .conftest import _csp_violations, assert_accessible, doc_screenshot, log_in_demo_staff

PHONE = {"width": 360, "height": 780}
SMALLEST_TEXT_PX = 11

TEXT_BOXES = """() => {
    const svg = document.querySelector('[data-testid=coverage-chart]');
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, x: r.x, y: r.y, w: r.width, h: r.height,
                px: parseFloat(getComputedStyle(t).fontSize) * scale};
    });
}"""


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def assert_chart_readable(page: Any, *, name: str) -> list[dict[str, Any]]:
    boxes: list[dict[str, Any]] = page.evaluate(TEXT_BOXES)
    assert boxes, f"no text in the chart of {name}"
    meeting = [(a["text"], b["text"]) for a, b in combinations(boxes, 2) if _overlap(a, b)]
    assert not meeting, f"labels overlap in the chart of {name}: {meeting}"
    small = [(b["text"], round(b["px"], 1)) for b in boxes if b["px"] < SMALLEST_TEXT_PX]
    assert not small, f"text under {SMALLEST_TEXT_PX} px in the chart of {name}: {small}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways ({width} px)"
    return boxes


def test_the_trend_chart_is_readable_on_a_360_px_phone(
    demo: None, live_server: Any, browser: Any
) -> None:
    base = live_server.url
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    page = context.new_page()
    refused = _csp_violations(page)

    page.goto(f"{base}/catalog/281000/")
    expect(page.get_by_test_id("coverage-chart")).to_be_visible()
    public = assert_chart_readable(page, name="the public page")
    # 18 months: the quarters' first months are labelled, every value is in the table.
    assert sum(1 for b in public if b["text"].endswith("月")) == 6
    expect(page.get_by_test_id("coverage-months").locator("tbody tr")).to_have_count(18)
    assert_accessible(page, name="public coverage page at 360 px")

    log_in_demo_staff(page, base, "kobe-admin")
    last_month = coverage.add_months(timezone.localdate().replace(day=1), -1)
    page.goto(f"{base}/staff/catalog/dashboard/?fy={coverage.fiscal_year_of(last_month)}")
    expect(page.get_by_test_id("coverage-chart")).to_be_visible()
    assert_chart_readable(page, name="the dashboard")
    assert_accessible(page, name="coverage dashboard at 360 px")
    doc_screenshot(page, "coverage-dashboard-phone", down_to="[data-testid=coverage-chart]")
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def test_the_dx_office_sees_the_inventory_previews_and_publishes_the_public_page(
    demo: None, live_server: Any, browser: Any
) -> None:
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    log_in_demo_staff(page, base, "kobe-admin")

    page.goto(f"{base}/staff/catalog/")
    expect(page.get_by_test_id("catalog-procedures")).to_contain_text("住民票の写しの交付請求")
    doc_screenshot(
        page,
        "coverage-inventory",
        down_to="[data-testid=catalog-procedures] tbody tr:nth-child(6)",
    )

    page.goto(f"{base}/staff/catalog/publication/")
    expect(page.get_by_test_id("publication-state")).to_contain_text("公開")
    assert_accessible(page, name="publication switch (published)")
    page.get_by_role("button", name="公開をやめる").click()
    expect(page.get_by_test_id("publication-state")).to_contain_text("非公開")
    response = page.request.get(f"{base}/catalog/281000/")
    assert response.status == 404
    page.get_by_role("link", name="公開ページのプレビュー").click()
    expect(page.get_by_test_id("publication-preview")).to_be_visible()
    assert_accessible(page, name="preview of the public page")
    page.goto(f"{base}/staff/catalog/publication/")
    page.get_by_role("button", name="公開", exact=True).click()
    expect(page.get_by_test_id("publication-state")).not_to_contain_text("非公開")

    page.goto(f"{base}/catalog/281000/")
    expect(page.get_by_test_id("public-rate-percent")).to_be_visible()
    assert_accessible(page, name="public coverage page")
    doc_screenshot(
        page, "coverage-public", down_to="[data-testid=public-procedures] tbody tr:nth-child(4)"
    )
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"
