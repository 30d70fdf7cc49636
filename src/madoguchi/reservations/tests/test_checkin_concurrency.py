"""The same booking scanned at several desks at the same moment: one arrival, one number.

Only PostgreSQL runs writers truly in parallel here (SQLite serialises every write
transaction), so this needs it (``DATABASE_URL=postgres://…``); it commits for real.
"""

from __future__ import annotations

import pytest
from django.db import connection

from madoguchi.ledger.models import LedgerEntry
from madoguchi.reservations import checkin, reference, services
from madoguchi.reservations.models import BookingStatus, WaitingTicket
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import StaffFactory

from .test_waiting_concurrency import CLERKS, all_at_once

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]


def test_a_booking_scanned_at_once_everywhere_gets_one_number_and_one_arrival() -> None:
    counter = data.counter()
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    code = reference.payload(booking.reference)
    firsts: list[bool] = []

    def scan(_index: int) -> None:
        firsts.append(checkin.check_in(text=code, counter=counter, by=clerk, now=data.at(9)).first)

    outcomes = all_at_once(scan)

    assert outcomes == ["ok"] * CLERKS
    assert sorted(firsts) == [False] * (CLERKS - 1) + [True]
    assert WaitingTicket.objects.get().number == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ARRIVED
    assert LedgerEntry.objects.filter(event="reservation.arrived").count() == 1
