"""Which visit slots a counter offers: pure functions over dates, no database.

A counter (窓口) opens on some weekdays between two times; its day is cut into slots of
``slot_minutes`` from the opening time, and each slot seats ``capacity`` visitors at once.
A procedure that takes longer than one slot occupies several consecutive slots, and needs a
free seat in each of them.

No slot is offered on a day the counter is closed: a Japanese public holiday (``jpholiday``,
振替休日 included), the city's closed days at the turn of the year (12/29–1/3, 年末年始) unless
the counter opts out, a closure the department entered, or a weekday without opening hours.
Nor before the cut-off (``cutoff_hours`` before the start) or past the booking horizon
(``horizon_days`` after today).

The services and selectors turn models into :class:`CounterRules` and call these; the
property tests (tests/test_slots.py) check the guarantees above over arbitrary dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from math import ceil

import jpholiday  # noqa: F401 (staff_selectors reads holiday names through it)

# The one business-day calendar (holidays, 年末年始) lives in jp; re-exported here.
from madoguchi.jp.business_days import NEW_YEAR_CLOSED_DAYS as NEW_YEAR_CLOSED_DAYS
from madoguchi.jp.business_days import is_public_holiday as is_public_holiday


@dataclass(frozen=True)
class CounterRules:
    """Everything that decides a counter's slots, as plain values.

    ``hours`` maps a weekday (Monday 0 … Sunday 6) to its opening and closing time; a weekday
    missing from it is closed. ``closures`` are inclusive date ranges.
    """

    hours: Mapping[int, tuple[time, time]]
    tz: tzinfo
    capacity: int = 1
    slot_minutes: int = 30
    horizon_days: int = 30
    cutoff_hours: int = 24
    closures: tuple[tuple[date, date], ...] = ()
    new_year_closed: bool = True
    blocked: frozenset[datetime] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Slot:
    """One slot a visitor can book: its start and end (aware) and the seats still free."""

    start: datetime
    end: datetime
    free: int


def is_closed(rules: CounterRules, day: date) -> bool:
    """True when the counter takes no visitors at all on ``day``."""
    if day.weekday() not in rules.hours:
        return True
    if is_public_holiday(day):
        return True
    if rules.new_year_closed and (day.month, day.day) in NEW_YEAR_CLOSED_DAYS:
        return True
    return any(first <= day <= last for first, last in rules.closures)


def slots_needed(rules: CounterRules, minutes: int | None) -> int:
    """How many consecutive slots a procedure of ``minutes`` takes (at least one)."""
    if not minutes or minutes <= 0:
        return 1
    return max(1, ceil(minutes / rules.slot_minutes))


def day_starts(rules: CounterRules, day: date) -> list[datetime]:
    """The start of every slot of ``day``, whether booked or not; empty when closed."""
    if is_closed(rules, day):
        return []
    return nominal_starts(rules, day)


def nominal_starts(rules: CounterRules, day: date) -> list[datetime]:
    """The slot starts of ``day`` by its weekday's hours, even when a closure or a holiday
    closes it (staff still see the bookings made before it); empty on a weekday without hours."""
    if day.weekday() not in rules.hours:
        return []
    opens, closes = rules.hours[day.weekday()]
    start = datetime.combine(day, opens, tzinfo=rules.tz)
    end = datetime.combine(day, closes, tzinfo=rules.tz)
    step = timedelta(minutes=rules.slot_minutes)
    starts = []
    while start + step <= end:
        starts.append(start)
        start += step
    return starts


def occupied_starts(rules: CounterRules, start: datetime, minutes: int | None) -> list[datetime]:
    """The slot starts a visit beginning at ``start`` occupies."""
    step = timedelta(minutes=rules.slot_minutes)
    return [start + step * index for index in range(slots_needed(rules, minutes))]


def bookable(rules: CounterRules, start: datetime, *, now: datetime) -> bool:
    """True when ``start`` is a slot of its day that may still be booked at ``now``."""
    local = start.astimezone(rules.tz)
    if local.date() > now.astimezone(rules.tz).date() + timedelta(days=rules.horizon_days):
        return False
    if local < now + timedelta(hours=rules.cutoff_hours):
        return False
    return local in day_starts(rules, local.date())


def free_slots(
    rules: CounterRules,
    day: date,
    *,
    now: datetime,
    taken: Mapping[datetime, int],
    minutes: int | None = None,
) -> list[Slot]:
    """The slots of ``day`` a visit of ``minutes`` can still be booked into.

    ``taken`` counts the visitors already booked per slot start (every slot a booking
    occupies). A multi-slot visit fits where every slot it occupies has a free seat, all on
    the same day and none blocked.
    """
    starts = day_starts(rules, day)
    available = set(starts)
    slots = []
    for start in starts:
        if not bookable(rules, start, now=now):
            continue
        needed = occupied_starts(rules, start, minutes)
        if any(s not in available or s in rules.blocked for s in needed):
            continue
        free = min(rules.capacity - taken.get(s, 0) for s in needed)
        if free > 0:
            end = needed[-1] + timedelta(minutes=rules.slot_minutes)
            slots.append(Slot(start=start, end=end, free=free))
    return slots


def bookable_days(rules: CounterRules, *, now: datetime) -> Iterable[date]:
    """Every day from today to the horizon on which the counter opens."""
    today = now.astimezone(rules.tz).date()
    for offset in range(rules.horizon_days + 1):
        day = today + timedelta(days=offset)
        if not is_closed(rules, day):
            yield day
