"""The clerk's planning pages in a browser, on the demo's Kaga 市民課 counter: the week view,
moving a booking a resident phoned about (the resident gets an email with a fresh .ics),
the procedure lengths with a wrong value answered in Japanese, and the statistics with
some past visits. axe on each page; the screenshots reservations-week and
reservations-statistics go to docs/images/."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.reservations import selectors, services, slots
from madoguchi.reservations.models import Booking, BookingStatus, Counter

from .conftest import (
    _csp_violations,
    assert_accessible,
    doc_screenshot,
    log_in_demo_staff,
)


def _open_days(counter: Counter, count: int) -> list[date]:
    rules = selectors.rules_for(counter)
    day, found = timezone.localdate() + timedelta(days=3), []
    while len(found) < count:
        if not slots.is_closed(rules, day):
            found.append(day)
        day += timedelta(days=1)
    return found


def _past_visits(counter: Counter) -> None:
    """Visits of the last four weeks, some arrived, some not, some cancelled (for the figures)."""
    rules = selectors.rules_for(counter)
    today = timezone.localdate()
    statuses = [
        BookingStatus.ARRIVED,
        BookingStatus.ARRIVED,
        BookingStatus.NO_SHOW,
        BookingStatus.ARRIVED,
        BookingStatus.CANCELLED,
    ]
    for back in range(1, 28):
        day = today - timedelta(days=back)
        for index, start in enumerate(slots.day_starts(rules, day)[: 2 + back % 6]):
            Booking.objects.create(
                counter=counter,
                start=start,
                end=start + timedelta(minutes=counter.slot_minutes),
                status=statuses[(back + index) % len(statuses)],
                name="過去の来庁",
                token_hash=secrets.token_hex(32),
                created_at=start - timedelta(days=7),
            )


def test_a_clerk_sees_the_week_moves_a_booking_sets_lengths_and_reads_statistics(
    demo: None, live_server: Any, browser: Any
) -> None:
    counter = Counter.objects.get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    first, second = _open_days(counter, 2)
    tz = timezone.get_default_timezone()
    for hour, name in [(9, "加賀 太郎"), (9, "加賀 花子"), (10, "加賀 一郎")]:
        services.book(
            counter=counter,
            start=datetime.combine(first, time(hour), tzinfo=tz),
            name=name,
            email="taro@example.jp" if name == "加賀 太郎" else "",
        )
    _past_visits(counter)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    staff = context.new_page()
    refused = _csp_violations(staff)
    log_in_demo_staff(staff, base, "kaga-shimin")

    staff.goto(f"{base}/staff/reservations/")
    staff.get_by_role("link", name="週の一覧").first.click()
    staff.goto(f"{staff.url}?start={first.isoformat()}")
    week = staff.get_by_test_id("reservation-week")
    expect(week.locator("thead th")).to_have_count(8)
    expect(week.locator("tbody tr").first).to_contain_text("0/2")
    expect(week).to_contain_text("2/2 満席")
    expect(staff.get_by_test_id("reservation-week-nav")).to_contain_text("次の週")
    assert_accessible(staff, name="staff reservation week view")
    doc_screenshot(staff, "reservations-week")

    week.get_by_role("link", name=first.strftime("%-m/%-d"), exact=False).first.click()
    expect(staff.get_by_test_id("reservation-day")).to_contain_text("加賀 太郎")
    staff.get_by_role("link", name="日時を移す 09:00 加賀 太郎").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("予約の日時を移す")
    staff.get_by_label("日").fill(second.isoformat())
    staff.get_by_role("button", name="空いている時間を表示").click()
    assert_accessible(staff, name="staff reservation move")
    staff.locator("input[name=start]").first.check()
    staff.get_by_label("理由").select_option("resident_asked")
    staff.get_by_role("button", name="予約を移す").click()
    expect(staff.locator(".notice")).to_contain_text("予約を")
    expect(staff.get_by_test_id("reservation-day")).to_contain_text("加賀 太郎")
    assert second.isoformat() in staff.url
    (message,) = [m for m in mail.outbox if m.to == ["taro@example.jp"]][-1:]
    assert message.subject == "来庁予約の日時が変更されました"
    assert message.attachments[0][0] == "visit.ics"

    staff.goto(f"{base}/staff/reservations/{counter.pk}/lengths/")
    assert_accessible(staff, name="staff reservation procedure lengths")
    minutes = staff.locator("input[type=number]")
    if minutes.count():
        minutes.first.fill("999")
        staff.get_by_role("button", name="保存").click()
        expect(staff.locator("[role=alert]").first).to_contain_text("所要時間を直して")
        expect(minutes.first).to_have_value("999")
        assert_accessible(staff, name="staff reservation procedure lengths (error)")
        minutes.first.fill("20")
        staff.get_by_role("button", name="保存").click()
        expect(staff.locator(".notice").first).to_contain_text("保存しました")

    staff.goto(f"{base}/staff/reservations/{counter.pk}/statistics/")
    table = staff.get_by_test_id("reservation-statistics")
    expect(table.locator("tfoot")).to_contain_text("合計")
    expect(staff.locator("svg.bars")).to_be_visible()
    assert_accessible(staff, name="staff reservation statistics")
    doc_screenshot(staff, "reservations-statistics")
    staff.get_by_label("集計単位").select_option("day")
    staff.get_by_role("button", name="表示", exact=True).click()
    expect(table.locator("tbody tr")).to_have_count(28)
    assert refused == []
    context.close()
