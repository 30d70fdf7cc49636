"""Waiting numbers (呼出番号) at a counter: issue, call, recall, finish; the queue and its times.

Numbers run 1, 2, 3 … per counter and day. Issuing locks the counter's row (as
services._take_seats does) before taking the highest number of the day, so two clerks
issuing at the same moment never get the same number (tests/test_waiting_concurrency.py on
PostgreSQL); calling the next number takes the same lock, so two desks never call one ticket.

The call order is simple on purpose: a visitor whose booked time has started goes first
(earliest booked time, then number), everyone else by number (first come, first served).
A booked visitor who comes early waits like a walk-in until their time starts, so a
booking never lets someone jump a queue before its own time.

The waiting time is ``called_at - issued_at`` (the first call; a recall does not move it).
Nothing here knows a person: the ledger gets the ticket's id, its number, the counter and,
for a booked visitor, the booking's pseudonym.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from madoguchi.core import events
from madoguchi.tenants.models import StaffMember

from . import selectors
from .models import Booking, Counter, TicketStatus, WaitingTicket
from .refusals import NotYourCounter, TicketClosed

# How many of the last calls the wall display shows.
DISPLAY_CALLS = 6


def ticket_subject(ticket: WaitingTicket) -> str:
    return f"waiting-ticket:{ticket.pk}"


def _check_counter(counter_id: int, by: StaffMember) -> None:
    if not selectors.counters_for(by).filter(pk=counter_id).exists():
        raise NotYourCounter()


def _lock(counter_id: int) -> None:
    Counter.objects.select_for_update().only("pk").get(pk=counter_id)


def _record(event: events.Event, ticket: WaitingTicket, by: StaffMember, **extra: str) -> None:
    detail = {
        "counter": f"reservation-counter:{ticket.counter_id}",
        "day": ticket.day.isoformat(),
        "number": str(ticket.number),
        **extra,
    }
    if ticket.booking_id is not None:
        detail["booking"] = events.pseudonym("booking", ticket.booking_id)
    events.record(
        event, actor=events.pseudonym("staff", by.pk), subject=ticket_subject(ticket), detail=detail
    )


# Writes -------------------------------------------------------------------------------


def issue(
    *,
    counter: Counter,
    by: StaffMember,
    booking: Booking | None = None,
    now: datetime | None = None,
) -> WaitingTicket:
    """Hand out the next number of today at ``counter``: to a walk-in, or to a booked visitor.

    A booking gets one ticket only: issuing again returns the one it has.
    """
    now = now or timezone.now()
    _check_counter(counter.pk, by)
    with transaction.atomic():
        _lock(counter.pk)
        if booking is not None:
            existing = WaitingTicket.objects.filter(booking=booking).first()
            if existing is not None:
                return existing
        day = timezone.localdate(now)
        highest = WaitingTicket.objects.filter(counter=counter, day=day).aggregate(
            highest=Max("number")
        )["highest"]
        ticket = WaitingTicket.objects.create(
            counter=counter, day=day, number=(highest or 0) + 1, booking=booking, issued_at=now
        )
        _record(events.Event.RESERVATION_TICKET_ISSUED, ticket, by)
    return ticket


def issue_on_arrival(*, booking: Booking, by: StaffMember, now: datetime | None = None) -> None:
    """A booked visitor marked arrived on the day of their visit gets a number (once).

    Marking a booking of another day (late paperwork, a mistake) hands out nothing: a number
    is only useful to someone standing at the counter today.
    """
    now = now or timezone.now()
    if timezone.localtime(booking.start).date() == timezone.localdate(now):
        issue(counter=booking.counter, by=by, booking=booking, now=now)


def _call_order(ticket: WaitingTicket, now: datetime) -> tuple[int, datetime | int, int]:
    booking = ticket.booking
    if booking is not None and booking.start <= now:
        return (0, booking.start, ticket.number)
    return (1, ticket.number, ticket.number)


def call_next(
    *, counter: Counter, by: StaffMember, desk: str = "", now: datetime | None = None
) -> WaitingTicket | None:
    """Call the next waiting number of today to ``desk`` (see the module for the order);
    None when nobody is waiting."""
    now = now or timezone.now()
    _check_counter(counter.pk, by)
    with transaction.atomic():
        _lock(counter.pk)
        waiting = list(
            WaitingTicket.objects.filter(
                counter=counter, day=timezone.localdate(now), status=TicketStatus.WAITING
            ).select_related("booking")
        )
        if not waiting:
            return None
        ticket = min(waiting, key=lambda candidate: _call_order(candidate, now))
        ticket.status = TicketStatus.CALLED
        ticket.called_at = ticket.announced_at = now
        ticket.called_by = by
        ticket.desk = desk.strip()
        ticket.save(update_fields=["status", "called_at", "announced_at", "called_by", "desk"])
        _record(events.Event.RESERVATION_TICKET_CALLED, ticket, by, desk=ticket.desk)
    return ticket


def recall(*, ticket: WaitingTicket, by: StaffMember, now: datetime | None = None) -> WaitingTicket:
    """Call a called number again: the wall display shows and announces it once more."""
    now = now or timezone.now()
    _check_counter(ticket.counter_id, by)
    with transaction.atomic():
        if not WaitingTicket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
            announced_at=now
        ):
            raise TicketClosed()
        ticket.announced_at = now
        _record(events.Event.RESERVATION_TICKET_CALLED, ticket, by, desk=ticket.desk, recall="1")
    return ticket


def finish(
    *, ticket: WaitingTicket, status: TicketStatus, by: StaffMember, now: datetime | None = None
) -> WaitingTicket:
    """A called number was served, or did not come forward (``absent``)."""
    if status not in (TicketStatus.SERVED, TicketStatus.ABSENT):
        raise ValueError(status)
    now = now or timezone.now()
    _check_counter(ticket.counter_id, by)
    with transaction.atomic():
        if not WaitingTicket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
            status=status, finished_at=now
        ):
            raise TicketClosed()
        ticket.status, ticket.finished_at = status, now
        _record(events.Event.RESERVATION_TICKET_FINISHED, ticket, by, status=str(status))
    return ticket


# Reads --------------------------------------------------------------------------------


def tickets_for(staff: StaffMember) -> QuerySet[WaitingTicket]:
    """The tickets of the counters a staff member serves."""
    return WaitingTicket.objects.filter(counter__in=selectors.counters_for(staff)).select_related(
        "counter__department", "booking__preregistration"
    )


def queue(counter: Counter, day: date) -> QuerySet[WaitingTicket]:
    """The numbers of ``day`` still waiting or being called, by number."""
    return (
        WaitingTicket.objects.filter(
            counter=counter, day=day, status__in=(TicketStatus.WAITING, TicketStatus.CALLED)
        )
        .select_related("booking__preregistration")
        .order_by("number")
    )


@dataclass(frozen=True)
class Call:
    """One call as the wall display shows it: numbers and desks only."""

    number: int
    desk: str
    announced_at: datetime

    def as_json(self) -> dict[str, str | int]:
        return {
            "number": self.number,
            "desk": self.desk,
            "announced_at": self.announced_at.isoformat(),
        }


@dataclass(frozen=True)
class Board:
    """What the wall display shows: the last calls (latest first) and how many wait."""

    calls: list[Call]
    waiting: int

    def as_json(self) -> dict[str, object]:
        return {"calls": [call.as_json() for call in self.calls], "waiting": self.waiting}


def board(counter: Counter, day: date) -> Board:
    """The wall display's state for ``counter`` on ``day``: no personal data, numbers only."""
    today = WaitingTicket.objects.filter(counter=counter, day=day)
    calls = today.filter(announced_at__isnull=False).order_by("-announced_at", "-number")[
        :DISPLAY_CALLS
    ]
    return Board(
        calls=[
            Call(number=t.number, desk=t.desk, announced_at=t.announced_at)  # type: ignore[arg-type]
            for t in calls
        ],
        waiting=today.filter(status=TicketStatus.WAITING).count(),
    )


@dataclass(frozen=True)
class WaitingFigures:
    """Waiting times of one day (``day``) or of a whole range (``day`` None), in minutes.

    ``waited`` counts the tickets called at least once, the ones the times are taken from.
    """

    day: date | None
    issued: int
    served: int
    absent: int
    waited: int
    average_minutes: float | None
    median_minutes: float | None
    longest_minutes: float | None


@dataclass(frozen=True)
class WaitingStatistics:
    days: list[WaitingFigures]
    overall: WaitingFigures


def _figures(
    day: date | None, rows: list[tuple[date, str, datetime, datetime | None]]
) -> WaitingFigures:
    minutes = [
        (called - issued).total_seconds() / 60 for _day, _status, issued, called in rows if called
    ]
    return WaitingFigures(
        day=day,
        issued=len(rows),
        served=sum(1 for row in rows if row[1] == TicketStatus.SERVED),
        absent=sum(1 for row in rows if row[1] == TicketStatus.ABSENT),
        waited=len(minutes),
        average_minutes=statistics.fmean(minutes) if minutes else None,
        median_minutes=statistics.median(minutes) if minutes else None,
        longest_minutes=max(minutes) if minutes else None,
    )


def waiting_statistics(counter: Counter, first: date, last: date) -> WaitingStatistics:
    """Waiting time (``called_at - issued_at``) and tickets issued, served and absent at
    ``counter`` per day from ``first`` to ``last`` (inclusive; days without tickets left
    out), and over the whole range."""
    rows = list(
        WaitingTicket.objects.filter(counter=counter, day__gte=first, day__lte=last)
        .order_by("day", "number")
        .values_list("day", "status", "issued_at", "called_at")
    )
    days = sorted({row[0] for row in rows})
    return WaitingStatistics(
        days=[_figures(day, [row for row in rows if row[0] == day]) for day in days],
        overall=_figures(None, rows),
    )
