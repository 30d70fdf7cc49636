"""Residents booking the last seat of a slot at the same moment: exactly one gets it.

Only PostgreSQL runs writers truly in parallel here (SQLite serialises every write
transaction), so this needs it (``DATABASE_URL=postgres://…``); it commits for real.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from madoguchi.core.refusals import Refused
from madoguchi.reservations import services
from madoguchi.reservations.models import Booking
from madoguchi.testing import reservations as data

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

RESIDENTS = 8


def test_parallel_bookings_of_the_last_seats_never_overbook() -> None:
    counter = data.counter(capacity=2)
    services.book(counter=counter, start=data.at(9), name="先約", now=data.NOW)
    start = threading.Barrier(RESIDENTS)
    outcomes: list[str] = []

    def book(index: int) -> None:
        try:
            start.wait()
            services.book(counter=counter, start=data.at(9), name=f"住民{index}", now=data.NOW)
            outcomes.append("booked")
        except Refused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(RESIDENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked"] + ["reservation_slot_full"] * (RESIDENTS - 1)
    assert Booking.objects.filter(counter=counter, start=data.at(9)).count() == 2
