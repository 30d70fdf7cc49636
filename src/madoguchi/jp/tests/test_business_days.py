"""Business days over arbitrary dates: the guarantees of jp.business_days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.jp.business_days import (
    NEW_YEAR_CLOSED_DAYS,
    add_business_days,
    business_days_between,
    is_business_day,
)

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
counts = st.integers(min_value=0, max_value=60)


@given(days, counts)
def test_adding_business_days_lands_on_a_business_day_after_the_start(start: date, n: int) -> None:
    end = add_business_days(start, n)

    if n == 0:
        assert end == start
    else:
        assert end > start
        assert is_business_day(end)
        assert end.weekday() < 5
        assert (end.month, end.day) not in NEW_YEAR_CLOSED_DAYS


@given(days, counts, counts)
def test_adding_is_monotone_in_the_start_and_in_the_count(start: date, n: int, m: int) -> None:
    later = start + timedelta(days=m)

    assert add_business_days(start, n) <= add_business_days(later, n)
    assert add_business_days(start, min(n, m)) <= add_business_days(start, max(n, m))


@given(days, counts)
def test_adding_then_counting_round_trips(start: date, n: int) -> None:
    assert business_days_between(start, add_business_days(start, n)) == n


@given(days, st.integers(min_value=0, max_value=90))
def test_counting_then_adding_reaches_the_last_business_day_on_or_before(
    start: date, span: int
) -> None:
    end = start + timedelta(days=span)

    reached = add_business_days(start, business_days_between(start, end))

    assert reached <= end
    assert all(
        not is_business_day(reached + timedelta(days=k)) for k in range(1, (end - reached).days + 1)
    )


@given(days, days)
def test_counting_is_antisymmetric_and_counts_only_business_days(a: date, b: date) -> None:
    forward = business_days_between(a, b)

    assert forward == -business_days_between(b, a)
    assert 0 <= abs(forward) <= abs((b - a).days)


@given(days, st.integers(0, 30), st.integers(0, 30), st.integers(1, 30))
def test_a_pause_moves_the_due_date_by_the_business_days_paused(
    received: date, paused_after: int, paused_for: int, n: int
) -> None:
    """The clock stops while the application is with the applicant (差し戻し)."""
    due = add_business_days(received, n)
    returned = received + timedelta(days=paused_after)
    resubmitted = returned + timedelta(days=paused_for)

    moved = add_business_days(due, business_days_between(returned, resubmitted))

    assert moved >= due
    counted = business_days_between(received, moved) - business_days_between(returned, resubmitted)
    assert counted == n


@given(st.integers(2020, 2035))
def test_the_turn_of_the_year_is_closed(year: int) -> None:
    assert not any(is_business_day(date(year, 12, d)) for d in (29, 30, 31))
    assert not any(is_business_day(date(year + 1, 1, d)) for d in (1, 2, 3))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Friday + 1: the Monday.
        (date(2026, 12, 4), 1, date(2026, 12, 7)),
        # Received on a Sunday: the count starts on Monday.
        (date(2026, 12, 6), 1, date(2026, 12, 7)),
        # 年末年始: 12/28 (Mon) + 1 is 1/4 (Mon), 2027.
        (date(2026, 12, 28), 1, date(2027, 1, 4)),
        # Golden Week 2026: 4/29 昭和の日, 5/3–5/6 (5/6 振替休日).
        (date(2026, 4, 28), 1, date(2026, 4, 30)),
        (date(2026, 5, 1), 1, date(2026, 5, 7)),
        # 14 business days from 2026-09-14 across シルバーウィーク (9/21 敬老の日, 9/22 国民の休日,
        # 9/23 秋分の日).
        (date(2026, 9, 14), 14, date(2026, 10, 7)),
    ],
)
def test_known_calendar_days(start: date, n: int, expected: date) -> None:
    assert add_business_days(start, n) == expected
    assert business_days_between(start, expected) == n


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(date(2026, 12, 4), -1)
