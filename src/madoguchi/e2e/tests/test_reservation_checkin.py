"""Reception with the booking's code (issue 17 item 4), in a browser on the demo data.

A phone books a visit at Kaga 市民課 from a pre-registration and sees the booking's QR code
and number (axe; screenshot reservations-booking-qr-phone for docs/reservations.md). The
visit is then moved to today; the 市民課 clerk types what the scanner would type into the
reception input of the waiting page, gets waiting number 1, and the prepared application
opens on the counter screen with the resident's answers (axe on each page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.counter import services as counter_services
from madoguchi.reservations import reference
from madoguchi.reservations.models import Booking, BookingStatus, Counter
from madoguchi.testing.counter import counter_draft, counter_form

from .conftest import assert_accessible, doc_screenshot, log_in_demo_staff, screenshot

PHONE_WIDTH = 390


@pytest.fixture
def clerk_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def _move_to_today(booking: Booking) -> None:
    """Keep the time of day and the length; only the date becomes today's. The resident's
    pages rightly refuse a time inside the counter's 24-hour cut-off, so a visit for today
    cannot be booked through them: the test moves it in the database."""
    today = timezone.localdate()
    local = timezone.localtime(booking.start)
    start = local.replace(year=today.year, month=today.month, day=today.day)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + (booking.end - booking.start)
    )


def test_a_booked_visitor_shows_the_code_and_the_clerk_checks_the_booking_in(
    demo: None, live_server: Any, phone_page: Any, clerk_page: Any
) -> None:
    base = live_server.url
    counter = Counter.objects.select_related("department").get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    # The resident's pre-registration (the counter channel's own browser tests fill it in).
    draft, token = counter_draft(
        counter_form(department=counter.department, slug="checkin-test-form")
    )
    counter_services.preregister(draft=draft)
    page = phone_page
    page.goto(f"{base}/reservations/prereg/{token}/")
    page.get_by_test_id("reservation-calendar").get_by_role("link").first.click()
    page.locator("input[name=start]").first.check()
    page.get_by_label("お名前").fill("加賀 太郎")
    page.get_by_test_id("reservation-book").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ご予約")
    booking = Booking.objects.get()
    number = reference.grouped(booking.reference)
    code = page.get_by_test_id("booking-code")
    expect(code.get_by_role("img", name=f"受付で見せるコード（予約番号 {number}）")).to_be_visible()
    expect(page.get_by_test_id("booking-reference")).to_contain_text(number)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert_accessible(page, name="booking with its code (phone)")
    doc_screenshot(page, "reservations-booking-qr-phone", down_to="[data-testid=booking-png]")
    with page.expect_download() as download:
        page.get_by_test_id("booking-png").click()
    assert download.value.path().read_bytes().startswith(b"\x89PNG")

    _move_to_today(booking)

    staff = clerk_page
    log_in_demo_staff(staff, base, "kaga-shimin")
    staff.goto(f"{base}/staff/reservations/{counter.pk}/waiting/")
    reception = staff.get_by_test_id("reception")
    expect(reception.get_by_role("heading", level=2)).to_have_text("予約の受付")
    assert_accessible(staff, name="waiting page with reception")
    # A USB scanner types the code's text and Enter into the focused input.
    scan = staff.get_by_label("予約番号またはコード")
    expect(scan).to_be_focused()
    scan.fill(reference.payload(booking.reference))
    scan.press("Enter")

    expect(staff.get_by_test_id("reception-number")).to_have_text("1")
    expect(staff.get_by_role("status").first).to_contain_text("呼出番号は1番です")
    expect(staff.get_by_test_id("waiting-queue")).to_contain_text("1")
    assert_accessible(staff, name="waiting page, booking checked in")
    screenshot(staff, "reservations-reception")  # test-artifacts/ only
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ARRIVED

    # Scanning again (typed by hand this time) shows the same number; the input is ready.
    scan = staff.get_by_label("予約番号またはコード")
    expect(scan).to_be_focused()
    scan.fill(booking.reference.lower())
    scan.press("Enter")
    expect(staff.get_by_test_id("reception-number")).to_have_text("1")
    expect(staff.get_by_role("status").first).to_contain_text("変わらず1番")

    staff.get_by_role("button", name=re.compile("^窓口画面で「.+」を開く$")).click()
    staff.wait_for_url("**/staff/counter/visits/**")
    application = staff.get_by_test_id("counter-application")
    expect(application).to_contain_text("加賀 太郎")
    assert_accessible(staff, name="counter visit opened from reception")
