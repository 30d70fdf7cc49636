"""The waiting-number pages: the clerk's forms (no JavaScript), scoping, the ticket, the
public wall display and its JSON state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.reservations.models import BookingStatus, Counter, TicketStatus, WaitingTicket
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def clerk_browser(counter: Counter, language: str = "en") -> Client:
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    return log_in_staff(clerk, language=language)


def test_a_clerk_issues_a_walk_in_number_calls_it_and_the_display_shows_it() -> None:
    counter = data.counter()
    browser = clerk_browser(counter)
    queue_url = reverse("reservations_staff:waiting", args=[counter.pk])

    issued = browser.post(reverse("reservations_staff:waiting_issue", args=[counter.pk]))
    ticket_page = browser.get(issued["Location"])
    called = browser.post(
        reverse("reservations_staff:waiting_call", args=[counter.pk]), {"desk": "3番窓口"}
    )
    page = browser.get(queue_url)
    display = Client().get(reverse("reservations:display", args=[counter.pk]))
    state = Client().get(reverse("reservations:display_state", args=[counter.pk])).json()

    ticket = WaitingTicket.objects.get()
    assert issued["Location"] == reverse("reservations_staff:ticket", args=[ticket.pk])
    assert 'data-testid="waiting-ticket-number">1<' in ticket_page.content.decode()
    assert called["Location"] == queue_url
    assert (ticket.status, ticket.desk) == (TicketStatus.CALLED, "3番窓口")
    assert "Number 1 is called to 3番窓口." in page.content.decode()
    assert 'value="3番窓口"' in page.content.decode()  # the desk is kept for the next call
    assert display.status_code == 200
    assert "3番窓口" in display.content.decode()
    assert "http-equiv" not in display.content.decode()
    assert state["calls"][0]["number"] == 1 and state["calls"][0]["desk"] == "3番窓口"
    assert state["waiting"] == 0


def test_served_and_absent_and_recall_are_plain_forms() -> None:
    counter = data.counter()
    browser = clerk_browser(counter)
    for _ in range(2):
        browser.post(reverse("reservations_staff:waiting_issue", args=[counter.pk]))
    for _ in range(2):
        browser.post(reverse("reservations_staff:waiting_call", args=[counter.pk]), {"desk": ""})
    first, second = WaitingTicket.objects.order_by("number")

    browser.post(reverse("reservations_staff:ticket_recall", args=[first.pk]))
    browser.post(reverse("reservations_staff:ticket_finish", args=[first.pk]), {"status": "served"})
    browser.post(
        reverse("reservations_staff:ticket_finish", args=[second.pk]), {"status": "absent"}
    )
    again = browser.post(reverse("reservations_staff:ticket_recall", args=[first.pk]), follow=True)
    nobody = browser.post(
        reverse("reservations_staff:waiting_call", args=[counter.pk]), {"desk": ""}, follow=True
    )
    bogus = browser.post(
        reverse("reservations_staff:ticket_finish", args=[second.pk]), {"status": "waiting"}
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (TicketStatus.SERVED, TicketStatus.ABSENT)
    assert "it was served or marked absent meanwhile" in again.content.decode()
    assert "No one is waiting." in nobody.content.decode()
    assert bogus.status_code == 404


def test_the_pages_answer_in_japanese() -> None:
    counter = data.counter()
    browser = clerk_browser(counter, language="ja")
    browser.post(reverse("reservations_staff:waiting_issue", args=[counter.pk]))

    page = browser.post(
        reverse("reservations_staff:waiting_call", args=[counter.pk]), {"desk": "2番"}, follow=True
    ).content.decode()

    assert "次の番号を呼ぶ" in page
    assert "1番の方を2番へ呼び出しました。" in page


def test_a_desk_label_too_long_is_refused_and_nobody_is_called() -> None:
    counter = data.counter()
    browser = clerk_browser(counter)
    browser.post(reverse("reservations_staff:waiting_issue", args=[counter.pk]))

    answer = browser.post(
        reverse("reservations_staff:waiting_call", args=[counter.pk]),
        {"desk": "窓" * 31},
        follow=True,
    )

    assert "at most 30 characters" in answer.content.decode()
    assert WaitingTicket.objects.get().status == TicketStatus.WAITING


def test_staff_of_another_department_get_404_everywhere() -> None:
    counter = data.counter()
    clerk_browser(counter).post(reverse("reservations_staff:waiting_issue", args=[counter.pk]))
    ticket = WaitingTicket.objects.get()
    stranger = log_in_staff(StaffFactory(municipality=counter.department.municipality))

    answers = [
        stranger.get(reverse("reservations_staff:waiting", args=[counter.pk])),
        stranger.post(reverse("reservations_staff:waiting_issue", args=[counter.pk])),
        stranger.post(reverse("reservations_staff:waiting_call", args=[counter.pk])),
        stranger.get(reverse("reservations_staff:ticket", args=[ticket.pk])),
        stranger.post(reverse("reservations_staff:ticket_recall", args=[ticket.pk])),
        stranger.post(
            reverse("reservations_staff:ticket_finish", args=[ticket.pk]), {"status": "served"}
        ),
    ]

    assert [answer.status_code for answer in answers] == [404] * 6
    assert WaitingTicket.objects.count() == 1
    assert WaitingTicket.objects.get().status == TicketStatus.WAITING


def test_the_waiting_page_needs_a_staff_login_but_the_display_does_not() -> None:
    counter = data.counter()

    staff_page = Client().get(reverse("reservations_staff:waiting", args=[counter.pk]))
    display = Client().get(reverse("reservations:display", args=[counter.pk]))

    assert staff_page.status_code == 302
    assert display.status_code == 200


def test_marking_a_booking_arrived_today_shows_its_number_in_the_day_view() -> None:
    counter = data.counter()
    browser = clerk_browser(counter)
    start = timezone.localtime().replace(second=0, microsecond=0)
    # Made directly: booked for right now, which no open slot of the test counter allows.
    booking = counter.bookings.create(
        start=start,
        end=start + timedelta(minutes=30),
        name="加賀 太郎",
        token_hash="x" * 64,
        created_at=timezone.now(),
    )

    answer = browser.post(
        reverse("reservations_staff:mark", args=[booking.pk]), {"status": "arrived"}, follow=True
    )

    ticket = WaitingTicket.objects.get(booking=booking)
    assert ticket.number == 1
    assert "Waiting number 1 is the visitor&#x27;s." in answer.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ARRIVED


def test_waiting_statistics_for_a_range_and_a_backwards_range_refused() -> None:
    counter = data.counter()
    browser = clerk_browser(counter)
    url = reverse("reservations_staff:waiting", args=[counter.pk])
    today = timezone.localdate()
    browser.post(reverse("reservations_staff:waiting_issue", args=[counter.pk]))
    browser.post(reverse("reservations_staff:waiting_call", args=[counter.pk]), {"desk": ""})

    shown = browser.get(url, {"first": today.isoformat(), "last": today.isoformat()})
    backwards = browser.get(
        url, {"first": today.isoformat(), "last": (today - timedelta(days=1)).isoformat()}
    )

    assert shown.status_code == 200
    statistics = shown.content.decode().split('data-testid="waiting-statistics"')[1]
    assert f'<th scope="row">{today:%Y/%-m/%-d}</th>' in statistics
    assert backwards.status_code == 422
    assert "The last day must not be before the first day." in backwards.content.decode()
