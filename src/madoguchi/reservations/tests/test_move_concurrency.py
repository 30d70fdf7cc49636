"""A clerk moving a booking into the last seat of a slot while residents book it: exactly
one of them gets it (the same counter lock as booking; PostgreSQL only, it commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from madoguchi.core.refusals import Refused
from madoguchi.reservations import services, staff_services
from madoguchi.reservations.models import Booking, BookingStatus
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

RESIDENTS = 6


def test_a_staff_move_and_parallel_bookings_of_the_last_seat_never_overbook() -> None:
    counter = data.counter(capacity=2)
    services.book(counter=counter, start=data.at(10), name="先約", now=data.NOW)
    moving, _token = services.book(counter=counter, start=data.at(9), name="移す人", now=data.NOW)
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    start = threading.Barrier(RESIDENTS + 1)
    outcomes: list[str] = []

    def book(index: int) -> None:
        try:
            start.wait()
            services.book(counter=counter, start=data.at(10), name=f"住民{index}", now=data.NOW)
            outcomes.append("booked")
        except Refused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    def move() -> None:
        try:
            start.wait()
            staff_services.move_booking(
                booking=moving,
                start=data.at(10),
                by=clerk,
                reason=staff_services.MoveReason.RESIDENT_ASKED,
                now=data.NOW,
            )
            outcomes.append("moved")
        except Refused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(RESIDENTS)]
    threads.append(threading.Thread(target=move))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [o for o in outcomes if o in ("booked", "moved")]
    assert len(winners) == 1
    assert outcomes.count("reservation_slot_full") == RESIDENTS
    held = Booking.objects.filter(
        counter=counter, start=data.at(10), status=BookingStatus.BOOKED
    ).count()
    assert held == 2
