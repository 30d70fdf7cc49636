"""Issue 17 end to end on the demo data, as `make run` serves it.

A phone answers the Kaga 引越し guide, follows the counter button of the My Number Card
application, pre-registers, books a visit from the pre-registration page and gets the .ics;
the 市民課 clerk finds the visit in the day view, marks the arrival and checks it in, and the
counter screen opens the prepared application with the resident's answers. axe runs on every
page; the screenshots for docs/guide.md and docs/reservations.md are copied to docs/images/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from madoguchi.counter.models import Preregistration, PreregistrationStatus
from madoguchi.reservations.models import Booking

from .conftest import assert_accessible, doc_screenshot, log_in_demo_staff

PHONE_WIDTH = 390


@pytest.fixture
def clerk_page(browser: Any) -> Iterator[Any]:
    """The clerk's desktop page, in the session's one browser."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def _fits_the_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def _portrait_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((525, 675), 40).convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _next(page: Any) -> None:
    page.get_by_role("button", name="次へ").first.click()


def _answer_the_moving_guide(page: Any, base: str) -> None:
    page.goto(f"{base}/172065/")  # the city's procedure list links its guides
    page.get_by_test_id("municipality-links").get_by_role(
        "link", name="引越し（加賀市への転入・市内での転居）"
    ).click()
    page.wait_for_url(f"{base}/guide/172065/hikkoshi/")
    assert_accessible(page, name="guide questions (phone)")
    page.get_by_label("ほかの市区町村から加賀市へ").check()
    page.get_by_role("group", name="マイナンバーカードをお持ちですか").get_by_label(
        "いいえ"
    ).check()
    for thing in ("原動機付自転車（原付）を持っている", "運転免許証を持っている"):
        page.get_by_label(thing).check()
    page.get_by_label("中学生以下の子どもがいる").check()
    page.get_by_role("button", name="必要な手続きを表示する").click()
    # The insurance question applies only to a move from another municipality.
    page.get_by_label("国民健康保険", exact=True).check()
    page.get_by_role("button", name="必要な手続きを表示する").click()


def _pre_register_for_the_card(page: Any) -> None:
    """The My Number Card application's counter channel: the same questions, then the code."""
    channel = page.get_by_role("radio", name="窓口で")
    if channel.count():
        channel.check()
        _next(page)
    expect(page.get_by_test_id("counter-steps")).to_be_visible()
    assert_accessible(page, name="card application start, counter channel (phone)")
    # This resident has no card yet (the guide's answer): everything is typed.
    page.get_by_role(
        "button", name=re.compile("^(申請を始める|カードを使わずに始める（すべて手入力）)$")
    ).click()
    page.fill("#field-application_id", "12345678901234567890123")
    _next(page)
    page.fill("#field-name", "加賀 花子")
    page.fill("#field-name_kana", "カガ ハナコ")
    page.fill("#field-birth_date-year", "1990")
    page.fill("#field-birth_date-month", "4")
    page.fill("#field-birth_date-day", "1")
    page.get_by_label("女", exact=True).check()
    page.fill("#field-postal_code", "922-8622")
    page.fill("#field-address", "石川県加賀市大聖寺南町ニ41")
    page.fill("#field-phone", "0761721111")
    assert_accessible(page, name="card application: applicant (phone)")
    _next(page)
    page.locator("#field-face_photo").set_input_files(
        files=[{"name": "face.jpg", "mimeType": "image/jpeg", "buffer": _portrait_jpeg()}]
    )
    _next(page)
    page.get_by_role("group", name="署名用電子証明書").get_by_label("発行を希望する").check()
    page.get_by_role("group", name="利用者証明用電子証明書").get_by_label("発行を希望する").check()
    page.locator("#field-consent").check()
    _next(page)
    button = page.get_by_role("button", name="窓口で手続きするために事前登録")
    expect(button).to_be_visible()
    assert_accessible(page, name="card application review (phone)")
    button.click()
    expect(page.get_by_test_id("prereg-code").locator("svg")).to_be_visible()
    assert_accessible(page, name="pre-registration (phone)")


def test_a_resident_goes_from_the_guide_to_a_booked_visit_and_the_clerk_checks_it_in(
    demo: None,
    live_server: Any,
    phone_page: Any,
    clerk_page: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    page = phone_page

    # The guide: six procedures for a move from another town with a moped, a licence and
    # children, and no My Number Card yet.
    _answer_the_moving_guide(page, base)
    result = page.get_by_test_id("guide-result")
    expect(result.locator("li.card")).to_have_count(6)
    _fits_the_phone(page)
    assert_accessible(page, name="guide result, six procedures (phone)")
    doc_screenshot(page, "guide-kaga-result", down_to="#procedure-mynumber_card")
    result.locator("#procedure-mynumber_card").get_by_role(
        "link", name="窓口の事前登録をする"
    ).click()
    expect(page).to_have_url(
        re.compile(r"/172065/mynumber-card-shinsei/\?channel=counter&from=guide$")
    )

    _pre_register_for_the_card(page)
    preregistration = Preregistration.objects.get()
    page.get_by_test_id("prereg-booking").click()

    # The calendar of 市民課's counter; booking the same day is past the 24-hour cut-off, so
    # the first day it offers is taken.
    calendar = page.get_by_test_id("reservation-calendar")
    expect(calendar).to_be_visible()
    _fits_the_phone(page)
    assert_accessible(page, name="reservation calendar from the pre-registration (phone)")
    doc_screenshot(page, "reservations-calendar-phone")
    calendar.get_by_role("link").first.click()
    assert_accessible(page, name="reservation day (phone)")
    page.locator("input[name=start]").first.check()
    page.get_by_label("お名前").fill("加賀 花子")
    page.get_by_label("メールアドレス（確認のため）").fill("hanako@example.jp")
    page.get_by_test_id("reservation-book").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("ご予約")
    expect(page.get_by_test_id("reservation-status")).to_have_text("予約済み")
    _fits_the_phone(page)
    assert_accessible(page, name="reservation confirmation (phone)")
    doc_screenshot(page, "reservations-confirmation-phone")
    booking = Booking.objects.select_related("counter__department").get()

    # The .ics: downloaded from the booking's page, and the same file in the confirmation email.
    with page.expect_download() as download:
        page.get_by_test_id("reservation-ics").click()
    ics = download.value.path().read_bytes()
    event = _the_event(ics)
    assert event.decoded("dtstart") == booking.start
    assert event.decoded("dtend") == booking.end
    assert "市民課" in str(event.get("summary"))
    assert str(event.get("location")) == booking.counter.department.postal_address
    (email,) = mail.outbox
    assert email.to == ["hanako@example.jp"]
    assert [name for name, _content, _type in email.attachments] == ["visit.ics"]
    assert _the_event(email.attachments[0][1]).decoded("dtstart") == booking.start

    # The visit is today at the counter: move it there in the database (the resident's pages
    # refuse a time inside the cut-off, rightly).
    _move_to_today(booking)

    staff = clerk_page
    log_in_demo_staff(staff, base, "kaga-shimin")
    staff.get_by_role("navigation", name="職員メニュー").get_by_role(
        "link", name="来庁予約"
    ).click()
    assert_accessible(staff, name="staff reservation counters")
    staff.get_by_test_id("reservation-counters").get_by_role(
        "link", name=re.compile("市民課")
    ).first.click()
    day_view = staff.get_by_test_id("reservation-day")
    row = day_view.get_by_role("row", name=re.compile("加賀 花子"))
    expect(row).to_contain_text(preregistration.reference)
    assert_accessible(staff, name="staff day view")
    row.get_by_role("button", name="来庁済み").click()
    row = day_view.get_by_role("row", name=re.compile("加賀 花子"))
    expect(row.get_by_role("button", name="来庁済み")).to_have_count(0)
    expect(row).to_contain_text("来庁済み")
    assert_accessible(staff, name="staff day view, arrived")
    doc_screenshot(staff, "reservations-day-view")
    row.get_by_role("button", name="窓口画面で受付する").click()

    staff.wait_for_url("**/staff/counter/visits/**")
    application = staff.get_by_test_id("counter-application")
    expect(application).to_contain_text("加賀 花子")
    expect(application).to_contain_text("カガ ハナコ")
    expect(application).to_contain_text("12345678901234567890123")
    assert_accessible(staff, name="counter visit with the prepared application")
    preregistration.refresh_from_db()
    assert preregistration.status == PreregistrationStatus.CHECKED_IN


def _the_event(ics: bytes) -> Any:
    calendar = icalendar.Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def _move_to_today(booking: Booking) -> None:
    """Keep the time of day and the length; only the date becomes today's."""
    today = timezone.localdate()
    local = timezone.localtime(booking.start)
    start = local.replace(year=today.year, month=today.month, day=today.day)
    Booking.objects.filter(pk=booking.pk).update(
        start=start, end=start + (booking.end - booking.start)
    )
