"""Visit reservations in a browser: a phone books a slot at Kaga 市民課 and sees the
confirmation; the clerk's day view shows the visitor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
from madoguchi.reservations import selectors, slots
from madoguchi.reservations.models import Booking, Counter
from madoguchi.testing.staff import code_for

from .conftest import assert_accessible


def test_a_phone_books_a_visit_and_the_clerk_sees_it_in_the_day_view(
    demo: None, live_server: Any, phone_page: Any, browser: Any
) -> None:
    counter = Counter.objects.get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    rules = selectors.rules_for(counter)
    day = timezone.localdate() + timedelta(days=3)
    while slots.is_closed(rules, day):
        day += timedelta(days=1)
    page = phone_page

    page.goto(f"{live_server.url}/reservations/city/172065/")  # the page the city links to
    assert_accessible(page, name="reservation counters of a city (phone)")
    page.get_by_test_id("reservation-counters").get_by_role("link").first.click()
    page.wait_for_url(f"{live_server.url}/reservations/{counter.pk}/")
    page.get_by_label("マイナンバーカード交付申請（窓口サポート）").check()
    page.get_by_role("button", name="選んだ手続きで予約できる日を表示").click()
    assert_accessible(page, name="reservation calendar (phone)")
    page.get_by_test_id("reservation-calendar").locator(f"a[href*='/{day.isoformat()}/']").click()
    assert_accessible(page, name="reservation day (phone)")
    page.locator("input[name=start]").first.check()
    page.get_by_label("お名前").fill("加賀 太郎")
    page.get_by_label("メールアドレス（確認のため）").fill("taro@example.jp")
    page.get_by_test_id("reservation-book").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ご予約")
    expect(page.get_by_test_id("reservation-summary")).to_contain_text("加賀 太郎")
    expect(page.get_by_test_id("reservation-status")).to_have_text("予約済み")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, name="reservation confirmation (phone)")
    booking = Booking.objects.get()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    staff = context.new_page()
    staff.goto(f"{live_server.url}/staff/")
    staff.fill("#username", "kaga-shimin")
    staff.fill("#password", DEMO_PASSWORD)
    staff.locator("form button[type=submit]").last.click()
    staff.fill("#code", code_for(demo_totp_key("kaga-shimin")))
    staff.locator("form button[type=submit]").last.click()
    local_day = timezone.localtime(booking.start).date()
    staff.goto(f"{live_server.url}/staff/reservations/{counter.pk}/{local_day.isoformat()}/")

    expect(staff.get_by_test_id("reservation-day")).to_contain_text("加賀 太郎")
    assert_accessible(staff, name="staff reservation day view")
    staff.get_by_role("button", name="来庁済み").click()
    expect(staff.get_by_test_id("reservation-day")).to_contain_text("来庁済み")
    staff.goto(f"{live_server.url}/staff/reservations/")
    assert_accessible(staff, name="staff reservation counters")
    staff.goto(f"{live_server.url}/staff/reservations/{counter.pk}/edit/")
    assert_accessible(staff, name="staff reservation counter settings")
    context.close()
