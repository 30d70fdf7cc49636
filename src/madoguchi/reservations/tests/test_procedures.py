"""A visit for several procedures (issue 17): its length, its seats, and what is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from madoguchi.core.refusals import Refused
from madoguchi.forms import services as form_services
from madoguchi.forms.schema import FormSchema
from madoguchi.ledger.models import LedgerEntry
from madoguchi.reservations import selectors, services
from madoguchi.reservations.models import Booking, BookingProcedure
from madoguchi.testing import counter as counter_data
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import SIMPLE_SCHEMA, publish_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lengths", "slots_spanned"),
    [
        ((10, 10), 1),  # 20 minutes fit one 30-minute slot
        ((20, 20), 2),  # 40 minutes round up to two slots
        ((None, 10), 2),  # one slot (no length set) and 10 minutes
        ((50, None, 10), 3),  # 50 + 30 + 10 = 90 minutes, three slots exactly
    ],
)
def test_the_visit_lasts_the_procedures_lengths_added_up_in_whole_slots(
    lengths: tuple[int | None, ...], slots_spanned: int
) -> None:
    counter = data.counter(capacity=3)
    forms = [
        data.procedure(counter, slug=f"p{index}", ja=f"手続き{index}", en=f"P{index}", minutes=m)
        for index, m in enumerate(lengths)
    ]

    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", forms=forms, now=data.NOW
    )

    assert booking.end - booking.start == timedelta(minutes=30 * slots_spanned)
    assert selectors.booking_forms(booking) == forms


def test_a_visit_for_several_procedures_takes_a_seat_in_every_slot_it_spans() -> None:
    counter = data.counter(capacity=1)
    moving_in = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in", minutes=40)
    allowance = data.procedure(counter, slug="jido", ja="児童手当", en="Child allowance")

    services.book(
        counter=counter,
        start=data.at(9),
        name="神戸 花子",
        forms=[moving_in, allowance],
        now=data.NOW,
    )

    free = [s.start for s in selectors.free_slots(counter, data.MONDAY.date(), now=data.NOW)]
    assert free == [data.at(10, 30), data.at(11), data.at(11, 30)]
    for taken in (data.at(9, 30), data.at(10)):
        with pytest.raises(Refused) as refused:
            services.book(counter=counter, start=taken, name="加賀 太郎", now=data.NOW)
        assert refused.value.code == "reservation_slot_full"
    # The same two procedures no longer fit from 10:30 either: 11:30 is the last slot.
    both = selectors.free_slots(
        counter, data.MONDAY.date(), forms=[moving_in, allowance], now=data.NOW
    )
    assert [s.start for s in both] == [data.at(10, 30)]


def test_a_procedure_the_counter_does_not_take_is_refused_and_nothing_is_written() -> None:
    counter = data.counter()
    ours = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in")
    online_only = publish_form(department=counter.department, slug="online").form
    elsewhere = counter_data.counter_form(slug="other-department").form

    for forms in ([ours, online_only], [elsewhere], [ours, elsewhere]):
        with pytest.raises(Refused) as refused:
            services.book(
                counter=counter, start=data.at(9), name="加賀 太郎", forms=forms, now=data.NOW
            )
        assert refused.value.code == "reservation_procedure_not_offered"

    assert not Booking.objects.exists()
    assert not BookingProcedure.objects.exists()


def test_a_procedure_chosen_twice_is_booked_once() -> None:
    counter = data.counter()
    form = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in")

    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", forms=[form, form], now=data.NOW
    )

    assert selectors.booking_forms(booking) == [form]
    assert booking.end == data.at(9, 30)


def test_the_pre_registrations_procedure_is_always_one_of_the_booking() -> None:
    prereg, _token = counter_data.preregistration()
    counter = data.counter(department=prereg.department)
    allowance = data.procedure(counter, slug="jido", ja="児童手当", en="Child allowance")

    booking, _token = services.book(
        counter=counter,
        start=data.at(9),
        name="加賀 太郎",
        forms=[allowance],
        preregistration=prereg,
        now=data.NOW,
    )

    assert selectors.booking_forms(booking) == [prereg.form_version.form, allowance]
    assert booking.end == data.at(10)


def test_moving_keeps_the_procedures_and_their_length() -> None:
    counter = data.counter(capacity=1)
    moving_in = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in", minutes=20)
    allowance = data.procedure(
        counter, slug="jido", ja="児童手当", en="Child allowance", minutes=20
    )
    booking, token = services.book(
        counter=counter,
        start=data.at(9),
        name="加賀 太郎",
        forms=[moving_in, allowance],
        now=data.NOW,
    )

    services.change(token=token, start=data.at(10), now=data.NOW)

    booking.refresh_from_db()
    assert (booking.start, booking.end) == (data.at(10), data.at(11))
    assert selectors.booking_forms(booking) == [moving_in, allowance]
    # An hour from 11:30 would run past closing time (12:00).
    with pytest.raises(Refused) as refused:
        services.change(token=token, start=data.at(11, 30), now=data.NOW)
    assert refused.value.code == "reservation_slot_not_offered"


def test_moving_is_refused_once_a_procedure_no_longer_offers_the_counter() -> None:
    counter = data.counter()
    form = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in")
    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", forms=[form], now=data.NOW
    )
    form_services.publish(form=form, schema=FormSchema.model_validate(SIMPLE_SCHEMA))

    with pytest.raises(Refused) as refused:
        services.change(token=token, start=data.at(10), now=data.NOW)

    assert refused.value.code == "reservation_procedure_not_offered"
    booking.refresh_from_db()
    assert booking.start == data.at(9)


def test_the_ledger_names_the_procedures_by_form_id_only() -> None:
    counter = data.counter()
    moving_in = data.procedure(counter, slug="tennyu", ja="転入届", en="Moving in")
    allowance = data.procedure(counter, slug="jido", ja="児童手当", en="Child allowance")

    services.book(
        counter=counter,
        start=data.at(9),
        name="加賀 太郎",
        forms=[moving_in, allowance],
        now=data.NOW,
    )

    entry = LedgerEntry.objects.order_by("index").last()
    assert entry is not None
    assert entry.detail["forms"] == f"{moving_in.pk},{allowance.pk}"
    assert "転入" not in repr(entry.detail)
