"""Staff planning: the week view, moving a booking, procedure lengths and statistics."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.refusals import Refused
from madoguchi.forms.models import Form
from madoguchi.ledger.models import LedgerEntry
from madoguchi.reservations import (
    notify,
    selectors,
    services,
    slots,
    staff_selectors,
    staff_services,
    statistics,
)
from madoguchi.reservations.models import (
    BlockedSlot,
    Booking,
    BookingStatus,
    Closure,
    Counter,
    ProcedureLength,
)
from madoguchi.tenants.models import StaffMember
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import SIMPLE_SCHEMA, StaffFactory, publish_form
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db

MONDAY = data.MONDAY.date()


def _clerk(counter: Counter) -> StaffMember:
    clerk: StaffMember = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    return clerk


def _counter_form(counter: Counter, slug: str, title: str) -> Form:
    schema = SIMPLE_SCHEMA | {"title": {"ja": title, "en": slug}, "channels": ["online", "counter"]}
    return publish_form(department=counter.department, slug=slug, schema=schema).form


def test_the_week_shows_seats_taken_per_slot_blocked_slots_and_closed_days() -> None:
    counter = data.counter(capacity=2)
    services.book(counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW)
    services.book(counter=counter, start=data.at(9), name="加賀 花子", now=data.NOW)
    BlockedSlot.objects.create(counter=counter, start=data.at(11))
    tuesday = MONDAY + timedelta(days=1)
    Closure.objects.create(counter=counter, first_day=tuesday, last_day=tuesday, reason="停電")

    week = staff_selectors.week_of(counter, MONDAY)

    assert [day.day for day in week.days] == [MONDAY + timedelta(days=n) for n in range(7)]
    assert [day.closed for day in week.days][:2] == [None, staff_selectors.ClosedBecause.CLOSURE]
    assert week.days[1].note == "停電"
    assert week.days[5].closed == staff_selectors.ClosedBecause.WEEKDAY
    assert week.days[0].visits == 2
    assert [row.at.strftime("%H:%M") for row in week.rows] == [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
    ]  # fmt: skip
    nine, eleven = week.rows[0].cells[0], week.rows[4].cells[0]
    assert nine is not None and (nine.taken, nine.capacity, nine.full) == (2, 2, True)
    assert eleven is not None and eleven.blocked
    assert week.rows[0].cells[1] is not None and week.rows[0].cells[1].closed
    assert week.rows[0].cells[5] is None
    assert (week.previous, week.next) == (MONDAY - timedelta(days=7), MONDAY + timedelta(days=7))


def test_a_public_holiday_is_named_in_the_week() -> None:
    counter = data.counter()
    # 2027-07-19 is 海の日 (Marine Day), a Monday.
    week = staff_selectors.week_of(
        counter, staff_selectors.monday_of(data.MONDAY.date()) + timedelta(days=42)
    )

    assert week.days[0].closed == staff_selectors.ClosedBecause.HOLIDAY
    assert week.days[0].note == "海の日"


def test_staff_move_a_booking_inside_the_cut_off_and_the_ledger_keeps_codes_only() -> None:
    counter = data.counter()
    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )
    clerk = _clerk(counter)
    before = LedgerEntry.objects.count()
    # Two hours before the visit: the resident's 24-hour cut-off has passed, not the clerk's.
    now = data.at(9) - timedelta(hours=2)

    moved = staff_services.move_booking(
        booking=booking,
        start=data.at(11),
        by=clerk,
        reason=staff_services.MoveReason.RESIDENT_ASKED,
        now=now,
    )

    assert (moved.start, moved.end, moved.reminded_at) == (data.at(11), data.at(11, 30), None)
    assert services.booking_for_token(token).start == data.at(11)
    (entry,) = LedgerEntry.objects.order_by("index")[before:]
    assert entry.event == "reservation.changed"
    assert entry.detail["reason"] == "resident_asked"
    assert datetime.fromisoformat(entry.detail["from"]) == data.at(9)
    assert "加賀" not in repr(entry.detail) and "taro" not in repr(entry.detail)
    assert entry.actor != "resident"


def test_moving_to_a_full_past_or_closed_time_is_refused_and_nothing_changes() -> None:
    counter = data.counter(capacity=1)
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    services.book(counter=counter, start=data.at(10), name="加賀 花子", now=data.NOW)
    clerk = _clerk(counter)
    reason = staff_services.MoveReason.OTHER

    outcomes = []
    for start, now in [
        (data.at(10), data.NOW),  # full
        (data.at(9, 30), data.at(10)),  # already past
        (data.at(9) + timedelta(days=5), data.NOW),  # Saturday
    ]:
        with pytest.raises(Refused) as refused:
            staff_services.move_booking(
                booking=booking, start=start, by=clerk, reason=reason, now=now
            )
        outcomes.append(refused.value.code)

    assert outcomes == [
        "reservation_slot_full",
        "reservation_slot_not_offered",
        "reservation_slot_not_offered",
    ]
    booking.refresh_from_db()
    assert booking.start == data.at(9)


def test_only_the_counters_staff_move_and_only_a_booking_not_yet_marked() -> None:
    counter = data.counter()
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    stranger = StaffFactory(municipality=counter.department.municipality)
    clerk = _clerk(counter)
    reason = staff_services.MoveReason.OTHER

    with pytest.raises(Refused) as foreign:
        staff_services.move_booking(
            booking=booking, start=data.at(10), by=stranger, reason=reason, now=data.NOW
        )
    services.mark(booking=booking, status=BookingStatus.NO_SHOW, by=clerk)
    with pytest.raises(Refused) as marked:
        staff_services.move_booking(
            booking=booking, start=data.at(10), by=clerk, reason=reason, now=data.NOW
        )

    assert (foreign.value.code, marked.value.code) == (
        "reservation_not_your_counter",
        "reservation_closed",
    )


def test_a_long_visit_moves_whole_and_may_overlap_its_own_seats() -> None:
    counter = data.counter(capacity=1)
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    Booking.objects.filter(pk=booking.pk).update(end=data.at(10))  # a 60-minute visit
    booking.refresh_from_db()

    targets = [slot.start for slot in staff_selectors.move_targets(booking, MONDAY, now=data.NOW)]
    staff_services.move_booking(
        booking=booking,
        start=data.at(9, 30),
        by=_clerk(counter),
        reason=staff_services.MoveReason.STAFFING,
        now=data.NOW,
    )

    assert targets == [data.at(9), data.at(9, 30), data.at(10), data.at(10, 30), data.at(11)]
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (data.at(9, 30), data.at(10, 30))


def test_the_moved_email_carries_the_new_time_in_a_fresh_ics_with_the_same_uid() -> None:
    counter = data.counter()
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )
    first = icalendar.Calendar.from_ical(notify.ics_for(booking, now=data.NOW)).walk("VEVENT")[0]
    moved = staff_services.move_booking(
        booking=booking,
        start=data.at(10),
        by=_clerk(counter),
        reason=staff_services.MoveReason.COUNTER_CLOSED,
        now=data.NOW + timedelta(hours=1),
    )

    notify.send_moved(booking=moved, now=data.NOW + timedelta(hours=1))

    (message,) = mail.outbox
    assert message.to == ["taro@example.jp"]
    assert "10:00" in message.body and "加賀 太郎" not in message.body
    event = icalendar.Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]
    assert event.decoded("dtstart") == data.at(10)
    assert str(event["uid"]) == str(first["uid"])
    assert int(event["sequence"]) > int(first["sequence"])


def test_procedure_lengths_are_set_changed_and_cleared_for_the_counters_procedures() -> None:
    counter = data.counter()
    moving_in = _counter_form(counter, "tennyu", "転入届")
    certificate = _counter_form(counter, "shomei", "証明書")
    online_only = publish_form(department=counter.department, slug="online").form
    clerk = _clerk(counter)

    staff_services.save_lengths(
        counter=counter,
        minutes={moving_in.pk: 45, certificate.pk: 10, online_only.pk: 20},
        by=clerk,
    )
    staff_services.save_lengths(counter=counter, minutes={certificate.pk: None}, by=clerk)

    rows = staff_selectors.procedure_lengths(counter, language="ja")
    assert {(row.title, row.minutes) for row in rows} == {("転入届", 45), ("証明書", None)}
    assert not ProcedureLength.objects.filter(form=online_only).exists()


def test_statistics_count_seats_bookings_arrivals_no_shows_and_cancellations() -> None:
    counter = data.counter(capacity=2)
    clerk = _clerk(counter)
    came, _t1 = services.book(counter=counter, start=data.at(9), name="A", now=data.NOW)
    absent, _t2 = services.book(counter=counter, start=data.at(9), name="B", now=data.NOW)
    services.book(counter=counter, start=data.at(10), name="C", now=data.NOW)
    _gone, token = services.book(counter=counter, start=data.at(11), name="D", now=data.NOW)
    services.cancel(token=token)
    services.mark(booking=came, status=BookingStatus.ARRIVED, by=clerk)
    services.mark(booking=absent, status=BookingStatus.NO_SHOW, by=clerk)
    BlockedSlot.objects.create(counter=counter, start=data.at(11, 30))
    friday = MONDAY + timedelta(days=4)

    by_day = statistics.counter_statistics(
        counter, MONDAY, friday, grouping=statistics.Grouping.DAY
    )
    by_week = statistics.counter_statistics(counter, MONDAY - timedelta(days=2), friday)

    monday = by_day.rows[0]
    # Six slots less the blocked one, two places each.
    assert (monday.seats_offered, monday.seats_booked) == (10, 3)
    assert (monday.visits, monday.arrived, monday.no_shows, monday.cancelled) == (3, 1, 1, 1)
    assert monday.utilisation == 30
    assert monday.no_show_rate == 50
    assert len(by_day.rows) == 5 and by_day.total.seats_offered == 10 + 4 * 12
    assert [(row.first, row.last) for row in by_week.rows] == [
        (MONDAY - timedelta(days=2), MONDAY - timedelta(days=1)),
        (MONDAY, friday),
    ]
    assert by_week.rows[0].utilisation is None and by_week.rows[0].no_show_rate is None
    assert by_week.total.visits == 3


def test_the_staff_pages_answer_their_department_only() -> None:
    counter = data.counter()
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    stranger = log_in_staff(StaffFactory(municipality=counter.department.municipality))
    urls = [
        reverse("reservations_staff:week", args=[counter.pk]),
        reverse("reservations_staff:statistics", args=[counter.pk]),
        reverse("reservations_staff:lengths", args=[counter.pk]),
        reverse("reservations_staff:move", args=[booking.pk]),
    ]

    assert [stranger.get(url).status_code for url in urls] == [404] * 4
    assert stranger.post(urls[3], {"start": data.at(10).isoformat()}).status_code == 404


def test_the_week_page_has_day_headers_and_links_to_the_day_view() -> None:
    counter = data.counter(capacity=2)
    services.book(counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW)
    browser = log_in_staff(_clerk(counter))

    page = browser.get(
        reverse("reservations_staff:week", args=[counter.pk]), {"start": "2027-06-09"}
    )
    wrong = browser.get(reverse("reservations_staff:week", args=[counter.pk]), {"start": "x"})

    html = page.content.decode()
    assert page.status_code == 200 and wrong.status_code == 404
    assert reverse("reservations_staff:day", args=[counter.pk, "2027-06-07"]) in html
    assert '<th scope="col">' in html and '<th scope="row">09:00</th>' in html
    assert "1/2" in html
    assert "?start=2027-05-31" in html and "?start=2027-06-14" in html


def _open_days(counter: Counter, count: int) -> list[date]:
    """The next ``count`` days the counter opens, from the day after tomorrow."""
    rules = selectors.rules_for(counter)
    day, found = timezone.localdate() + timedelta(days=2), []
    while len(found) < count:
        if not slots.is_closed(rules, day):
            found.append(day)
        day += timedelta(days=1)
    return found


def test_the_move_page_moves_the_booking_and_keeps_the_choice_when_refused() -> None:
    counter = data.counter(capacity=1)
    first, second = _open_days(counter, 2)
    booking, _token = services.book(
        counter=counter,
        start=datetime.combine(first, time(9), tzinfo=data.TOKYO),
        name="加賀 太郎",
        email="taro@example.jp",
    )
    browser = log_in_staff(_clerk(counter))
    url = reverse("reservations_staff:move", args=[booking.pk])
    target = datetime.combine(second, time(10), tzinfo=data.TOKYO)

    shown = browser.get(url, {"day": second.isoformat()})
    unknown = browser.post(f"{url}?day={second}", {"start": "nonsense", "reason": "other"})
    moved = browser.post(
        f"{url}?day={second}", {"start": target.isoformat(), "reason": "resident_asked"}
    )

    assert shown.status_code == 200 and target.isoformat() in shown.content.decode()
    assert unknown.status_code == 422 and 'value="other" selected' in unknown.content.decode()
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.start == target
    assert len(mail.outbox) == 1


def test_the_lengths_page_answers_bad_minutes_and_keeps_what_was_typed() -> None:
    counter = data.counter()
    moving_in = _counter_form(counter, "tennyu", "転入届")
    browser = log_in_staff(_clerk(counter))
    url = reverse("reservations_staff:lengths", args=[counter.pk])
    field = f"minutes_{moving_in.pk}"

    empty = browser.get(url)
    wrong = browser.post(url, {field: "999"})
    saved = browser.post(url, {field: "45"})

    assert "tennyu (minutes)" in empty.content.decode()
    assert wrong.status_code == 422 and 'value="999"' in wrong.content.decode()
    assert saved.status_code == 302
    assert ProcedureLength.objects.get(counter=counter, form=moving_in).minutes == 45


def test_the_statistics_page_defaults_to_four_weeks_and_refuses_a_backwards_range() -> None:
    counter = data.counter()
    browser = log_in_staff(_clerk(counter))
    url = reverse("reservations_staff:statistics", args=[counter.pk])

    default = browser.get(url)
    by_day = browser.get(url, {"first": "2027-06-07", "last": "2027-06-11", "by": "day"})
    backwards = browser.get(url, {"first": "2027-06-11", "last": "2027-06-07"})

    assert default.status_code == 200 and "<svg" in default.content.decode()
    assert by_day.status_code == 200
    assert by_day.content.decode().count('<th scope="row">') >= 6  # five days and the total
    assert backwards.status_code == 422
    assert 'value="2027-06-11"' in backwards.content.decode()
