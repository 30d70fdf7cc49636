"""Booking, moving, cancelling and marking visits through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest

from madoguchi.core.refusals import Refused
from madoguchi.ledger.models import LedgerEntry
from madoguchi.reservations import selectors, services
from madoguchi.reservations.models import BlockedSlot, BookingStatus, Closure
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_booking_takes_a_seat_and_keeps_only_the_hash_of_the_link() -> None:
    counter = data.counter(capacity=2)

    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )

    assert booking.end == data.at(9, 30)
    assert token not in booking.token_hash
    assert services.booking_for_token(token) == booking
    free = {
        s.start: s.free for s in selectors.free_slots(counter, data.MONDAY.date(), now=data.NOW)
    }
    assert free[data.at(9)] == 1


def test_the_last_seat_cannot_be_booked_twice() -> None:
    counter = data.counter(capacity=1)
    services.book(counter=counter, start=data.at(10), name="加賀 太郎", now=data.NOW)

    with pytest.raises(Refused) as refused:
        services.book(counter=counter, start=data.at(10), name="加賀 花子", now=data.NOW)

    assert refused.value.code == "reservation_slot_full"


@pytest.mark.parametrize(
    "start",
    [
        data.at(8, 30),  # before opening
        data.at(9, 10),  # not a slot start
        data.at(12),  # closing time
        data.at(9) + timedelta(days=5),  # Saturday
        data.at(9) + timedelta(days=70),  # past the 30-day horizon
    ],
)
def test_times_the_counter_does_not_offer_are_refused(start: object) -> None:
    counter = data.counter()

    with pytest.raises(Refused) as refused:
        services.book(counter=counter, start=start, name="加賀 太郎", now=data.NOW)  # type: ignore[arg-type]

    assert refused.value.code == "reservation_slot_not_offered"


def test_cutoff_closure_and_blocked_slot_are_refused() -> None:
    counter = data.counter()
    BlockedSlot.objects.create(counter=counter, start=data.at(11))
    tuesday = data.MONDAY.date() + timedelta(days=1)
    Closure.objects.create(counter=counter, first_day=tuesday, last_day=tuesday, reason="停電")

    for start, now in [
        (data.at(9), data.at(9) - timedelta(hours=2)),  # within the 24-hour cut-off
        (data.at(11), data.NOW),
        (data.at(9) + timedelta(days=1), data.NOW),
    ]:
        with pytest.raises(Refused) as refused:
            services.book(counter=counter, start=start, name="加賀 太郎", now=now)
        assert refused.value.code == "reservation_slot_not_offered"


def test_a_long_procedure_takes_consecutive_slots() -> None:
    counter = data.counter()
    form = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in", minutes=50)

    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", forms=[form], now=data.NOW
    )

    assert booking.end == data.at(10)
    starts = [s.start for s in selectors.free_slots(counter, data.MONDAY.date(), now=data.NOW)]
    assert data.at(9, 30) not in starts
    # The last slot of the day cannot hold a 50-minute visit.
    long = [
        s.start
        for s in selectors.free_slots(counter, data.MONDAY.date(), forms=[form], now=data.NOW)
    ]
    assert data.at(11, 30) not in long


def test_cancelling_frees_the_seat_and_the_link_then_refuses_changes() -> None:
    counter = data.counter()
    _booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )

    services.cancel(token=token)
    services.book(counter=counter, start=data.at(9), name="加賀 花子", now=data.NOW)

    with pytest.raises(Refused) as refused:
        services.cancel(token=token)
    assert refused.value.code == "reservation_closed"


def test_changing_moves_the_booking_and_may_keep_its_own_slot() -> None:
    counter = data.counter()
    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )

    services.change(token=token, start=data.at(10), now=data.NOW)
    services.change(token=token, start=data.at(10), now=data.NOW)

    booking.refresh_from_db()
    assert booking.start == data.at(10)
    services.book(counter=counter, start=data.at(9), name="加賀 花子", now=data.NOW)


def test_an_unknown_link_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        services.booking_for_token("nope")

    assert refused.value.code == "reservation_unknown"


def test_staff_of_the_department_mark_arrival_and_others_are_refused() -> None:
    counter = data.counter()
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    stranger = StaffFactory(municipality=counter.department.municipality)

    with pytest.raises(Refused) as refused:
        services.mark(booking=booking, status=BookingStatus.NO_SHOW, by=stranger)
    services.mark(booking=booking, status=BookingStatus.ARRIVED, by=clerk)

    assert refused.value.code == "reservation_not_your_counter"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ARRIVED


def test_the_ledger_gets_pseudonyms_and_never_the_name_or_email() -> None:
    counter = data.counter()
    before = LedgerEntry.objects.count()

    _booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )
    services.cancel(token=token)

    entries = list(LedgerEntry.objects.order_by("index")[before:])
    assert [e.event for e in entries] == ["reservation.booked", "reservation.cancelled"]
    text = repr([(e.actor, e.subject, e.detail) for e in entries])
    assert "加賀" not in text and "taro" not in text and token not in text
