"""Slot computation over arbitrary dates: the guarantees of reservations.slots."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from madoguchi.reservations import slots

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAY_HOURS = {day: (time(8, 30), time(17, 15)) for day in range(5)}

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
hours = st.dictionaries(
    st.integers(0, 6),
    st.tuples(st.integers(6, 11), st.integers(12, 20)).map(lambda t: (time(t[0]), time(t[1]))),
)
closures = st.lists(
    st.tuples(days, st.integers(0, 10)).map(lambda t: (t[0], t[0] + timedelta(days=t[1]))),
    max_size=3,
)
rules_strategy = st.builds(
    slots.CounterRules,
    hours=hours,
    tz=st.just(TOKYO),
    capacity=st.integers(1, 4),
    slot_minutes=st.sampled_from([10, 15, 20, 30, 60]),
    horizon_days=st.integers(0, 90),
    cutoff_hours=st.integers(0, 72),
    closures=closures.map(tuple),
    new_year_closed=st.booleans(),
)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 1), timezones=st.just(TOKYO)
)


@given(rules=rules_strategy, now=moments, offset=st.integers(-3, 100), minutes=st.integers(0, 150))
def test_no_slot_on_a_closed_day_before_the_cutoff_or_past_the_horizon(
    rules: slots.CounterRules, now: datetime, offset: int, minutes: int
) -> None:
    day = now.date() + timedelta(days=offset)

    offered = slots.free_slots(rules, day, now=now, taken={}, minutes=minutes)

    for slot in offered:
        local = slot.start.astimezone(TOKYO)
        assert local.date() == day
        assert not slots.is_public_holiday(day)
        assert day.weekday() in rules.hours
        assert not any(first <= day <= last for first, last in rules.closures)
        if rules.new_year_closed:
            assert (day.month, day.day) not in slots.NEW_YEAR_CLOSED_DAYS
        assert slot.start >= now + timedelta(hours=rules.cutoff_hours)
        assert day <= now.date() + timedelta(days=rules.horizon_days)
        opens, closes = rules.hours[day.weekday()]
        assert local.time() >= opens
        assert slot.end <= datetime.combine(day, closes, tzinfo=TOKYO)


@given(rules=rules_strategy, now=moments, offset=st.integers(0, 60), data=st.data())
def test_a_slot_is_offered_only_with_a_free_seat_in_every_slot_it_spans(
    rules: slots.CounterRules, now: datetime, offset: int, data: st.DataObject
) -> None:
    day = now.date() + timedelta(days=offset)
    starts = slots.day_starts(rules, day)
    taken = {start: data.draw(st.integers(0, rules.capacity), label=str(start)) for start in starts}
    minutes = data.draw(st.integers(0, 120), label="minutes")

    offered = slots.free_slots(rules, day, now=now, taken=taken, minutes=minutes)

    for slot in offered:
        spanned = slots.occupied_starts(rules, slot.start, minutes)
        assert all(taken[start] < rules.capacity for start in spanned)
        assert slot.free == min(rules.capacity - taken[start] for start in spanned)
        assert 1 <= slot.free <= rules.capacity


@given(year=st.integers(2020, 2035))
def test_the_turn_of_the_year_is_closed_unless_the_counter_opts_out(year: int) -> None:
    every_day = {day: (time(9), time(17)) for day in range(7)}
    closed = slots.CounterRules(hours=every_day, tz=TOKYO)
    open_ = slots.CounterRules(hours=every_day, tz=TOKYO, new_year_closed=False)

    assert slots.is_closed(closed, date(year, 12, 29))
    assert slots.is_closed(closed, date(year, 1, 3))
    assert not slots.is_closed(closed, date(year, 12, 28)) or slots.is_public_holiday(
        date(year, 12, 28)
    )
    assert not slots.is_closed(open_, date(year, 12, 30))


def test_public_holidays_have_no_slots_even_on_a_weekday() -> None:
    rules = slots.CounterRules(hours=WEEKDAY_HOURS, tz=TOKYO, horizon_days=400, cutoff_hours=0)
    now = datetime(2026, 12, 1, tzinfo=TOKYO)

    # 成人の日 2027 is Monday 11 January; the Tuesday after has 17 slots of 30 minutes.
    assert slots.free_slots(rules, date(2027, 1, 11), now=now, taken={}) == []
    assert len(slots.free_slots(rules, date(2027, 1, 12), now=now, taken={})) == 17


def test_blocked_slot_and_a_long_procedure_that_would_span_it_are_not_offered() -> None:
    blocked = datetime(2027, 1, 12, 10, 0, tzinfo=TOKYO)
    rules = slots.CounterRules(
        hours=WEEKDAY_HOURS,
        tz=TOKYO,
        cutoff_hours=0,
        horizon_days=60,
        blocked=frozenset({blocked}),
    )
    now = datetime(2027, 1, 5, tzinfo=TOKYO)

    starts = [
        s.start for s in slots.free_slots(rules, date(2027, 1, 12), now=now, taken={}, minutes=60)
    ]

    assert blocked not in starts
    assert blocked - timedelta(minutes=30) not in starts
    assert blocked + timedelta(minutes=30) in starts
