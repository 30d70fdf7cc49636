"""Waiting numbers through the services: numbering, call order, recall, finish, statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from madoguchi.core.refusals import Refused
from madoguchi.ledger.models import LedgerEntry
from madoguchi.reservations import services, waiting
from madoguchi.reservations.models import BookingStatus, Counter, TicketStatus, WaitingTicket
from madoguchi.tenants.models import StaffMember
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db


def clerk_of(counter: Counter) -> StaffMember:
    return StaffFactory(  # type: ignore[no-any-return]
        departments=[counter.department], municipality=counter.department.municipality
    )


def test_numbers_run_from_one_per_counter_and_day() -> None:
    counter, other = data.counter(), data.counter()
    clerk = clerk_of(counter)
    other_clerk = clerk_of(other)

    monday = [waiting.issue(counter=counter, by=clerk, now=data.at(9)).number for _ in range(3)]
    elsewhere = waiting.issue(counter=other, by=other_clerk, now=data.at(9)).number
    tuesday = waiting.issue(counter=counter, by=clerk, now=data.at(9) + timedelta(days=1))

    assert monday == [1, 2, 3]
    assert elsewhere == 1
    assert (tuesday.day, tuesday.number) == (data.MONDAY.date() + timedelta(days=1), 1)


def test_a_booked_visitor_marked_arrived_on_the_day_gets_one_number() -> None:
    counter = data.counter()
    clerk = clerk_of(counter)
    waiting.issue(counter=counter, by=clerk, now=data.at(8, 50))
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )

    services.mark(booking=booking, status=BookingStatus.ARRIVED, by=clerk, now=data.at(8, 55))
    again = waiting.issue(counter=counter, by=clerk, booking=booking, now=data.at(9))

    ticket = WaitingTicket.objects.get(booking=booking)
    assert (ticket.number, ticket.status) == (2, TicketStatus.WAITING)
    assert again == ticket
    assert WaitingTicket.objects.count() == 2


def test_marking_a_booking_of_another_day_hands_out_no_number() -> None:
    counter = data.counter()
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )

    services.mark(booking=booking, status=BookingStatus.ARRIVED, by=clerk_of(counter), now=data.NOW)

    assert not WaitingTicket.objects.exists()


def test_visitors_whose_booked_time_started_are_called_first_then_everyone_by_number() -> None:
    counter = data.counter(capacity=2)
    clerk = clerk_of(counter)
    late, _t = services.book(counter=counter, start=data.at(10), name="予約 十時", now=data.NOW)
    due, _t = services.book(counter=counter, start=data.at(9), name="予約 九時", now=data.NOW)
    waiting.issue(counter=counter, by=clerk, now=data.at(8, 40))  # 1, walk-in
    waiting.issue(counter=counter, by=clerk, booking=late, now=data.at(8, 45))  # 2, early
    waiting.issue(counter=counter, by=clerk, booking=due, now=data.at(9, 5))  # 3, due at 9:00
    waiting.issue(counter=counter, by=clerk, now=data.at(9, 6))  # 4, walk-in

    called = [
        waiting.call_next(counter=counter, by=clerk, desk="3番窓口", now=data.at(9, 30))
        for _ in range(4)
    ]

    assert [ticket.number for ticket in called if ticket] == [3, 1, 2, 4]
    assert waiting.call_next(counter=counter, by=clerk, now=data.at(9, 31)) is None
    first = WaitingTicket.objects.get(number=3)
    assert (first.status, first.desk, first.called_by) == (TicketStatus.CALLED, "3番窓口", clerk)


def test_a_recall_announces_again_without_changing_the_waiting_time() -> None:
    counter = data.counter()
    clerk = clerk_of(counter)
    waiting.issue(counter=counter, by=clerk, now=data.at(9))
    ticket = waiting.call_next(counter=counter, by=clerk, now=data.at(9, 10))
    assert ticket is not None

    waiting.recall(ticket=ticket, by=clerk, now=data.at(9, 12))

    ticket.refresh_from_db()
    assert (ticket.called_at, ticket.announced_at) == (data.at(9, 10), data.at(9, 12))


def test_a_finished_number_can_be_neither_recalled_nor_finished_again() -> None:
    counter = data.counter()
    clerk = clerk_of(counter)
    waiting.issue(counter=counter, by=clerk, now=data.at(9))
    ticket = waiting.call_next(counter=counter, by=clerk, now=data.at(9, 10))
    assert ticket is not None

    waiting.finish(ticket=ticket, status=TicketStatus.SERVED, by=clerk, now=data.at(9, 20))
    with pytest.raises(Refused) as recalled:
        waiting.recall(ticket=ticket, by=clerk)
    with pytest.raises(Refused) as absent:
        waiting.finish(ticket=ticket, status=TicketStatus.ABSENT, by=clerk)

    assert recalled.value.code == absent.value.code == "reservation_ticket_closed"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.finished_at) == (TicketStatus.SERVED, data.at(9, 20))


def test_staff_of_another_department_can_neither_issue_nor_call() -> None:
    counter = data.counter()
    stranger = StaffFactory(municipality=counter.department.municipality)

    with pytest.raises(Refused) as issuing:
        waiting.issue(counter=counter, by=stranger)
    with pytest.raises(Refused) as calling:
        waiting.call_next(counter=counter, by=stranger)

    assert issuing.value.code == calling.value.code == "reservation_not_your_counter"
    assert not WaitingTicket.objects.exists()


def test_the_board_shows_the_last_calls_latest_first_and_the_count_waiting() -> None:
    counter = data.counter()
    clerk = clerk_of(counter)
    for minute in range(4):
        waiting.issue(counter=counter, by=clerk, now=data.at(9, minute))
    first = waiting.call_next(counter=counter, by=clerk, desk="1番", now=data.at(9, 10))
    waiting.call_next(counter=counter, by=clerk, desk="2番", now=data.at(9, 11))
    assert first is not None
    waiting.recall(ticket=first, by=clerk, now=data.at(9, 12))

    board = waiting.board(counter, data.MONDAY.date())

    assert [(call.number, call.desk) for call in board.calls] == [(1, "1番"), (2, "2番")]
    assert board.waiting == 2
    assert board.as_json()["waiting"] == 2


def test_waiting_statistics_per_day_and_overall() -> None:
    counter = data.counter()
    clerk = clerk_of(counter)
    for minute in (0, 10, 20):
        waiting.issue(counter=counter, by=clerk, now=data.at(9, minute))
    served = waiting.call_next(counter=counter, by=clerk, now=data.at(9, 10))  # waited 10
    absent = waiting.call_next(counter=counter, by=clerk, now=data.at(9, 40))  # waited 30
    assert served is not None and absent is not None
    waiting.finish(ticket=served, status=TicketStatus.SERVED, by=clerk, now=data.at(9, 20))
    waiting.finish(ticket=absent, status=TicketStatus.ABSENT, by=clerk, now=data.at(9, 45))
    tuesday = data.at(9) + timedelta(days=1)
    waiting.issue(counter=counter, by=clerk, now=tuesday)
    waiting.call_next(counter=counter, by=clerk, now=tuesday + timedelta(minutes=5))

    figures = waiting.waiting_statistics(
        counter, data.MONDAY.date(), data.MONDAY.date() + timedelta(days=6)
    )

    monday = figures.days[0]
    assert (monday.issued, monday.served, monday.absent, monday.waited) == (3, 1, 1, 2)
    assert (monday.average_minutes, monday.median_minutes, monday.longest_minutes) == (
        20.0,
        20.0,
        30.0,
    )
    assert [day.day for day in figures.days] == [
        data.MONDAY.date(),
        data.MONDAY.date() + timedelta(days=1),
    ]
    overall = figures.overall
    assert (overall.issued, overall.waited, overall.median_minutes, overall.longest_minutes) == (
        4,
        3,
        10.0,
        30.0,
    )


def test_the_ledger_gets_ticket_ids_and_pseudonyms_never_the_name() -> None:
    counter = data.counter()
    clerk = clerk_of(counter)
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    before = LedgerEntry.objects.count()

    services.mark(booking=booking, status=BookingStatus.ARRIVED, by=clerk, now=data.at(9))
    ticket = waiting.call_next(counter=counter, by=clerk, desk="3番窓口", now=data.at(9, 1))
    assert ticket is not None
    waiting.finish(ticket=ticket, status=TicketStatus.SERVED, by=clerk, now=data.at(9, 9))

    entries = list(LedgerEntry.objects.order_by("index")[before:])
    assert [e.event for e in entries] == [
        "reservation.arrived",
        "reservation.ticket_issued",
        "reservation.ticket_called",
        "reservation.ticket_finished",
    ]
    assert entries[1].subject == f"waiting-ticket:{ticket.pk}"
    assert entries[1].detail["number"] == "1"
    assert entries[1].detail["booking"].startswith("booking:")
    assert "加賀" not in repr([(e.actor, e.subject, e.detail) for e in entries])
