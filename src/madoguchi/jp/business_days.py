"""Business days (開庁日) of a Japanese municipality: pure functions over dates.

A day is a business day unless it is a Saturday or Sunday, a public holiday (``jpholiday``,
振替休日 and 国民の休日 included) or one of the closed days at the turn of the year
(12/29–1/3, 年末年始), as in most cities' 休日を定める条例.

Periods follow the rule for time limits counted in days (民法140条, 初日不算入): the day
something happens is not counted, so ``add_business_days(start, n)`` is the n-th business
day *after* ``start``, and ``business_days_between(a, b)`` counts the business days in
``(a, b]``. The two are inverse: ``business_days_between(a, add_business_days(a, n)) == n``.
The reservations app (counter closed days) and the catalog (標準処理期間) both use these.
"""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday

# The closed days at the turn of the year (年末年始): (month, day) pairs.
NEW_YEAR_CLOSED_DAYS = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})

_ONE_DAY = timedelta(days=1)


def is_public_holiday(day: date) -> bool:
    """A national holiday (国民の祝日), 振替休日 or 国民の休日."""
    return bool(jpholiday.is_holiday(day))


def is_new_year_closed(day: date) -> bool:
    return (day.month, day.day) in NEW_YEAR_CLOSED_DAYS


def is_business_day(day: date) -> bool:
    """True on a weekday that is neither a public holiday nor in 年末年始."""
    return day.weekday() < 5 and not is_public_holiday(day) and not is_new_year_closed(day)


def add_business_days(start: date, n: int) -> date:
    """The n-th business day after ``start`` (``start`` itself is not counted); ``start`` for 0.

    ``start`` may itself be a closed day (an application that arrived on a Sunday): the
    count then begins with the next business day. Raises ValueError for a negative ``n``.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(a: date, b: date) -> int:
    """How many business days lie in ``(a, b]``; negative when ``b`` is before ``a``."""
    if b < a:
        return -business_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += _ONE_DAY
        if is_business_day(day):
            count += 1
    return count
