"""The demo's visit reservation counters: Kaga 市民課 and Kobe 中央区役所 市民課."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from madoguchi.reservations import selectors, services, slots
from madoguchi.reservations.models import Booking, Counter


@pytest.mark.django_db
def test_the_demo_counters_offer_slots_and_reset_after_a_booking(demo_data: None) -> None:
    kaga = Counter.objects.get(
        department__code="shimin", department__municipality__lg_code="172065"
    )
    rules = selectors.rules_for(kaga)
    day = timezone.localdate() + timedelta(days=3)
    while slots.is_closed(rules, day):
        day += timedelta(days=1)
    offered = selectors.free_slots(kaga, day)
    services.book(counter=kaga, start=offered[0].start, name="加賀 太郎")

    call_command("demo", "--reset", stdout=StringIO())

    kobe = Counter.objects.get(department__code="chuo-shimin")
    assert offered
    assert selectors.free_slots(kobe, day)
    assert not Booking.objects.exists()
    assert Counter.objects.count() == 2
