"""Clerks issuing and calling waiting numbers at the same moment: no number twice.

Only PostgreSQL runs writers truly in parallel here (SQLite serialises every write
transaction), so this needs it (``DATABASE_URL=postgres://…``); it commits for real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from madoguchi.reservations import waiting
from madoguchi.reservations.models import TicketStatus, WaitingTicket
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import StaffFactory

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

CLERKS = 8


def all_at_once(action: Callable[[int], None]) -> list[str]:
    start = threading.Barrier(CLERKS)
    outcomes: list[str] = []

    def run(index: int) -> None:
        try:
            start.wait()
            action(index)
            outcomes.append("ok")
        except Exception as error:  # any failure is the answer
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_numbers_issued_at_the_same_moment_are_all_different_and_consecutive() -> None:
    counter = data.counter()
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )

    outcomes = all_at_once(lambda _i: waiting.issue(counter=counter, by=clerk, now=data.at(9)))

    assert outcomes == ["ok"] * CLERKS
    numbers = sorted(WaitingTicket.objects.filter(counter=counter).values_list("number", flat=True))
    assert numbers == list(range(1, CLERKS + 1))


def test_desks_calling_at_the_same_moment_never_call_one_number_twice() -> None:
    counter = data.counter()
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    for _ in range(CLERKS):
        waiting.issue(counter=counter, by=clerk, now=data.at(9))

    outcomes = all_at_once(
        lambda i: waiting.call_next(counter=counter, by=clerk, desk=f"{i}番", now=data.at(9, 5))
    )

    assert outcomes == ["ok"] * CLERKS
    called = WaitingTicket.objects.filter(counter=counter, status=TicketStatus.CALLED)
    assert called.count() == CLERKS
    assert len(set(called.values_list("desk", flat=True))) == CLERKS
