"""Reads for the staff's planning pages: a counter's week, the free times a clerk may move a
booking to, and the procedures whose length can be set at a counter.

Staff see every slot of a week, including closed days (bookings made before a closure stay
and must be called) and blocked slots. A clerk moving a booking is not held to the
resident's cut-off (a visitor phoning in the morning may be moved to the afternoon), but
still only to a future slot the counter offers, inside the booking horizon.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import get_language

from madoguchi.forms.models import Form

from . import selectors, slots
from .models import Booking, Counter, ProcedureLength


class ClosedBecause(enum.StrEnum):
    """Why a counter takes no visitors on a day (checked in this order)."""

    WEEKDAY = "weekday"
    HOLIDAY = "holiday"
    NEW_YEAR = "new_year"
    CLOSURE = "closure"


def closed_because(rules: slots.CounterRules, day: date) -> ClosedBecause | None:
    """The reason ``day`` is closed, or None when the counter opens (see slots.is_closed)."""
    if day.weekday() not in rules.hours:
        return ClosedBecause.WEEKDAY
    if slots.is_public_holiday(day):
        return ClosedBecause.HOLIDAY
    if rules.new_year_closed and (day.month, day.day) in slots.NEW_YEAR_CLOSED_DAYS:
        return ClosedBecause.NEW_YEAR
    if any(first <= day <= last for first, last in rules.closures):
        return ClosedBecause.CLOSURE
    return None


@dataclass(frozen=True)
class WeekCell:
    """One slot of the week: seats taken of ``capacity``, blocked, or on a closed day."""

    start: datetime
    taken: int
    capacity: int
    blocked: bool
    closed: bool

    @property
    def full(self) -> bool:
        return self.taken >= self.capacity


@dataclass(frozen=True)
class WeekDay:
    day: date
    closed: ClosedBecause | None
    # The holiday's name (Japanese, from jpholiday) or the closure's reason, when closed.
    note: str
    visits: int


@dataclass(frozen=True)
class WeekRow:
    at: time
    cells: list[WeekCell | None]


@dataclass(frozen=True)
class Week:
    first: date
    days: list[WeekDay]
    rows: list[WeekRow]

    @property
    def previous(self) -> date:
        return self.first - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.first + timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_of(counter: Counter, first: date) -> Week:
    """The seven days from ``first`` (a Monday) at ``counter``: per slot the seats taken."""
    last = first + timedelta(days=6)
    rules = selectors.rules_for(counter, first=first, last=last)
    closures = list(counter.closures.filter(first_day__lte=last, last_day__gte=first))
    days: list[WeekDay] = []
    by_time: dict[time, list[WeekCell | None]] = {}
    for offset in range(7):
        day = first + timedelta(days=offset)
        closed = closed_because(rules, day)
        taken = selectors.taken_on(counter, rules, day)
        for start in slots.nominal_starts(rules, day):
            cells = by_time.setdefault(start.time(), [None] * 7)
            cells[offset] = WeekCell(
                start=start,
                taken=taken.get(start, 0),
                capacity=rules.capacity,
                blocked=start in rules.blocked,
                closed=closed is not None,
            )
        note = ""
        if closed == ClosedBecause.HOLIDAY:
            note = str(slots.jpholiday.is_holiday_name(day) or "")
        elif closed == ClosedBecause.CLOSURE:
            note = next((c.reason for c in closures if c.first_day <= day <= c.last_day), "")
        days.append(
            WeekDay(
                day=day,
                closed=closed,
                note=note,
                visits=selectors.day_bookings(counter, day).count(),
            )
        )
    rows = [WeekRow(at=at, cells=cells) for at, cells in sorted(by_time.items())]
    return Week(first=first, days=days, rows=rows)


def staff_rules(rules: slots.CounterRules) -> slots.CounterRules:
    """The counter's rules for a clerk: no cut-off, only the past is out of reach."""
    return replace(rules, cutoff_hours=0)


def taken_besides(
    counter: Counter, rules: slots.CounterRules, day: date, booking: Booking
) -> dict[datetime, int]:
    """Seats taken per slot on ``day``, not counting ``booking``'s own (it may stay put)."""
    taken = selectors.taken_on(counter, rules, day)
    if booking.status in selectors.ACTIVE:
        step = timedelta(minutes=rules.slot_minutes)
        moment = booking.start
        while moment < booking.end:
            key = moment.astimezone(rules.tz)
            if taken.get(key):
                taken[key] -= 1
            moment += step
    return taken


def move_targets(booking: Booking, day: date, *, now: datetime | None = None) -> list[slots.Slot]:
    """The times on ``day`` a clerk can move ``booking`` to (same counter, same length)."""
    counter = booking.counter
    rules = staff_rules(selectors.rules_for(counter, first=day, last=day))
    return slots.free_slots(
        rules,
        day,
        now=now or timezone.now(),
        taken=taken_besides(counter, rules, day, booking),
        minutes=int((booking.end - booking.start) / timedelta(minutes=1)),
    )


@dataclass(frozen=True)
class LengthRow:
    form: Form
    title: str
    minutes: int | None


def procedure_lengths(counter: Counter, *, language: str | None = None) -> list[LengthRow]:
    """Each procedure residents can book at ``counter`` with its length there (None: one slot)."""
    language = language or get_language() or "ja"
    lengths = dict(
        ProcedureLength.objects.filter(counter=counter).values_list("form_id", "minutes")
    )
    return [
        LengthRow(form=form, title=title, minutes=lengths.get(form.pk))
        for form, title in selectors.counter_procedures(counter, language=language)
    ]
