"""Capacity and no-show figures of a counter over a range of days, per day or per week.

- Seats offered: the slots the counter opened (closed days and blocked slots left out) times
  its capacity, by the counter's rules as they are now (changed opening hours are not
  remembered for past days).
- Seats booked: the seats held by bookings not cancelled (a visit spanning two slots holds
  two); utilisation is seats booked over seats offered.
- Visits booked, arrived, no-shows and cancelled count bookings by the day of the visit.
  The no-show rate is no-shows over the visits marked (arrived + no-shows): a visit still
  unmarked, today's or a future one, says nothing yet.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

from django.utils import timezone

from . import selectors, slots
from .models import Booking, BookingStatus, Counter

# The longest range the page computes at once (a year and a day for a leap year).
MAX_DAYS = 366


class Grouping(enum.StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class Figures:
    """The figures of one period, ``first`` to ``last`` inclusive."""

    first: date
    last: date
    seats_offered: int = 0
    seats_booked: int = 0
    visits: int = 0
    arrived: int = 0
    no_shows: int = 0
    cancelled: int = 0

    @property
    def utilisation(self) -> float | None:
        """Seats booked per seat offered, in per cent (None when nothing was offered)."""
        if not self.seats_offered:
            return None
        return 100 * self.seats_booked / self.seats_offered

    @property
    def no_show_rate(self) -> float | None:
        """No-shows per visit marked, in per cent (None when none was marked)."""
        marked = self.arrived + self.no_shows
        return 100 * self.no_shows / marked if marked else None

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            first=min(self.first, other.first),
            last=max(self.last, other.last),
            seats_offered=self.seats_offered + other.seats_offered,
            seats_booked=self.seats_booked + other.seats_booked,
            visits=self.visits + other.visits,
            arrived=self.arrived + other.arrived,
            no_shows=self.no_shows + other.no_shows,
            cancelled=self.cancelled + other.cancelled,
        )


@dataclass(frozen=True)
class CounterStatistics:
    rows: list[Figures]
    total: Figures
    grouping: Grouping


def _per_day(counter: Counter, first: date, last: date) -> dict[date, Figures]:
    rules = selectors.rules_for(counter, first=first, last=last)
    figures: dict[date, Figures] = {}
    day = first
    while day <= last:
        open_slots = [s for s in slots.day_starts(rules, day) if s not in rules.blocked]
        figures[day] = Figures(first=day, last=day, seats_offered=len(open_slots) * rules.capacity)
        day += timedelta(days=1)
    bookings = Booking.objects.filter(
        counter=counter, start__date__gte=first, start__date__lte=last
    ).values_list("start", "end", "status")
    step = timedelta(minutes=rules.slot_minutes)
    for start, end, status in bookings:
        day = timezone.localtime(start).date()
        if day not in figures:
            continue
        if status == BookingStatus.CANCELLED:
            counts = Figures(first=day, last=day, cancelled=1)
        else:
            counts = Figures(
                first=day,
                last=day,
                seats_booked=max(1, ceil((end - start) / step)),
                visits=1,
                arrived=int(status == BookingStatus.ARRIVED),
                no_shows=int(status == BookingStatus.NO_SHOW),
            )
        figures[day] = figures[day] + counts
    return figures


def counter_statistics(
    counter: Counter, first: date, last: date, *, grouping: Grouping = Grouping.WEEK
) -> CounterStatistics:
    """The figures of ``counter`` from ``first`` to ``last`` (inclusive), per day or per
    week (weeks from Monday; the first and last may be cut by the range), and in total."""
    if first > last or (last - first).days >= MAX_DAYS:
        raise ValueError((first, last))
    days = _per_day(counter, first, last)
    rows: list[Figures] = []
    for day, figures in sorted(days.items()):
        starts_period = grouping == Grouping.DAY or not rows or day.weekday() == 0
        if starts_period:
            rows.append(figures)
        else:
            rows[-1] = rows[-1] + figures
    total = Figures(first=first, last=last)
    for row in rows:
        total = total + row
    return CounterStatistics(rows=rows, total=total, grouping=grouping)
