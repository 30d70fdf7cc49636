"""A phone books one visit for two procedures at Kaga 市民課 (issue 17), without and then
with a procedure checked; axe on every page, the error state included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.sync_api import expect

from madoguchi.reservations import selectors
from madoguchi.reservations.models import Booking, Counter
from madoguchi.testing import reservations as data

from .conftest import assert_accessible, screenshot

PHONE_WIDTH = 390


def test_a_phone_books_one_visit_for_two_procedures_and_sees_both(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    counter = Counter.objects.get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    # A second procedure of 市民課 at the counter; 40 minutes there (the card takes one slot).
    data.procedure(
        counter, slug="jumin-ido", ja="住所変更の届出", en="Change of address", minutes=40
    )
    page = phone_page

    page.goto(f"{live_server.url}/reservations/{counter.pk}/")
    expect(page.get_by_test_id("reservation-choose-first")).to_be_visible()
    page.get_by_role("button", name="選んだ手続きで予約できる日を表示").click()
    expect(page.get_by_role("alert")).to_contain_text("手続きを1つ以上選んでください")
    assert_accessible(page, name="reservation procedures, none chosen (phone)")

    procedures = page.get_by_role("group", name="来庁して行う手続き")
    procedures.get_by_label("マイナンバーカード交付申請（窓口サポート）").check()
    procedures.get_by_label("住所変更の届出").check()
    page.get_by_role("button", name="選んだ手続きで予約できる日を表示").click()
    expect(procedures.get_by_role("checkbox", checked=True)).to_have_count(2)
    assert_accessible(page, name="reservation calendar for two procedures (phone)")
    page.get_by_test_id("reservation-calendar").get_by_role("link").first.click()

    expect(page.get_by_test_id("reservation-procedures").get_by_role("listitem")).to_have_count(2)
    assert_accessible(page, name="reservation day for two procedures (phone)")
    page.locator("input[name=start]").first.check()
    page.get_by_label("お名前").fill("加賀 太郎")
    page.get_by_test_id("reservation-book").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ご予約")
    listed = page.get_by_test_id("reservation-procedures")
    expect(listed).to_contain_text("マイナンバーカード交付申請（窓口サポート）")
    expect(listed).to_contain_text("住所変更の届出")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert_accessible(page, name="reservation confirmation, two procedures (phone)")
    screenshot(page, "reservations-two-procedures-phone")  # test-artifacts/ only
    booking = Booking.objects.get()
    assert len(selectors.booking_forms(booking)) == 2
    # 30 minutes (one slot) + 40 minutes = 70 minutes: three 30-minute slots.
    assert booking.end - booking.start == timedelta(minutes=90)


def test_without_javascript_the_checkboxes_lead_to_the_days_and_keep_the_choice(
    demo: None, live_server: Any, no_js_page: Any
) -> None:
    counter = Counter.objects.get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    page = no_js_page

    page.goto(f"{live_server.url}/reservations/{counter.pk}/")
    page.get_by_label("マイナンバーカード交付申請（窓口サポート）").check()
    page.get_by_role("button", name="選んだ手続きで予約できる日を表示").click()

    expect(page.get_by_label("マイナンバーカード交付申請（窓口サポート）")).to_be_checked()
    page.get_by_test_id("reservation-calendar").get_by_role("link").first.click()
    page.get_by_role("button", name="この時間で予約する").click()
    # Nothing typed: the same page answers, still for the chosen procedure (axe cannot run
    # without JavaScript; the phone test above runs it on these pages).
    expect(page.get_by_test_id("reservation-procedures")).to_contain_text("マイナンバーカード")
    expect(page.locator("input[type=hidden][name=form]")).to_have_count(1)
    assert not Booking.objects.exists()
