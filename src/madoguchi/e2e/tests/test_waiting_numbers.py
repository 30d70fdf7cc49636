"""Waiting numbers (呼出番号) in a browser: the Kaga 市民課 clerk issues a walk-in number and
prints its ticket, the wall display (a big screen, JavaScript on) shows the number called to
its desk without being reloaded and announces it; without JavaScript it shows the state at
load and a 「更新」 link. axe on the staff page, the ticket and the display; the screenshots
reservations-waiting-staff and reservations-waiting-display go to docs/images/."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from madoguchi.reservations.models import Counter

from .conftest import (
    _csp_violations,
    assert_accessible,
    doc_screenshot,
    log_in_demo_staff,
    screenshot,
)


def test_a_clerk_calls_a_walk_in_number_and_the_wall_display_shows_it(
    demo: None, live_server: Any, browser: Any, no_js_page: Any, phone_page: Any
) -> None:
    counter = Counter.objects.get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    base = live_server.url
    wall_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP")
    wall = wall_context.new_page()
    wall_refused = _csp_violations(wall)
    wall.goto(f"{base}/reservations/{counter.pk}/display/")
    expect(wall.get_by_test_id("waiting-latest")).to_contain_text("—")

    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    staff = staff_context.new_page()
    staff_refused = _csp_violations(staff)
    log_in_demo_staff(staff, base, "kaga-shimin")
    staff.goto(f"{base}/staff/reservations/")
    staff.get_by_role("link", name="呼出番号").first.click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("呼出番号")

    staff.get_by_test_id("waiting-issue").click()
    expect(staff.get_by_test_id("waiting-ticket-number")).to_have_text("1")
    assert_accessible(staff, name="waiting ticket")
    screenshot(staff, "reservations-waiting-ticket")  # test-artifacts/ only
    staff.get_by_role("link", name="呼出番号の画面に戻る").click()
    staff.get_by_test_id("waiting-issue").click()
    staff.get_by_role("link", name="呼出番号の画面に戻る").click()
    expect(staff.get_by_test_id("waiting-queue")).to_contain_text("予約なし")
    staff.get_by_label("窓口（任意。例：3番窓口）").fill("3番窓口")
    staff.get_by_test_id("waiting-call-next").click()

    expect(staff.get_by_role("status").first).to_have_text("1番の方を3番窓口へ呼び出しました。")
    expect(staff.get_by_test_id("waiting-called")).to_contain_text("3番窓口")
    expect(staff.get_by_test_id("waiting-statistics")).to_contain_text("発券から最初の呼出まで")
    assert_accessible(staff, name="staff waiting numbers")
    doc_screenshot(staff, "reservations-waiting-staff")

    # The wall display was opened before the call: its script brings the call in.
    expect(wall.get_by_test_id("waiting-latest")).to_contain_text("1", timeout=15_000)
    expect(wall.get_by_test_id("waiting-latest")).to_contain_text("3番窓口")
    expect(wall.get_by_role("status")).to_have_text("1番の方、3番窓口へお越しください。")
    expect(wall.get_by_test_id("waiting-count")).to_contain_text("1")
    assert_accessible(wall, name="waiting-number wall display")
    doc_screenshot(wall, "reservations-waiting-display")

    phone_page.goto(f"{base}/reservations/{counter.pk}/display/")
    expect(phone_page.get_by_test_id("waiting-latest")).to_contain_text("3番窓口")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone_page, name="waiting-number display (phone)")

    staff.get_by_role("button", name="1番を再呼出").click()
    staff.get_by_role("button", name="1番を対応済みにする").click()
    expect(staff.get_by_test_id("waiting-called")).to_contain_text("呼出中の番号はありません")

    no_js_page.goto(f"{base}/reservations/{counter.pk}/display/")
    expect(no_js_page.get_by_test_id("waiting-calls")).to_contain_text("3番窓口")
    expect(no_js_page.get_by_test_id("waiting-refresh")).to_have_text("更新")
    assert no_js_page.locator("meta[http-equiv]").count() == 0

    staff_context.close()
    wall_context.close()
    assert not staff_refused and not wall_refused
