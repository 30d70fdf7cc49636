"""The booking's .ics download from the resident's page (the email's file, without email)."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.reservations import selectors, services, slots
from madoguchi.reservations.models import Booking
from madoguchi.testing import reservations as data

pytestmark = pytest.mark.django_db


def _booked() -> tuple[Booking, str]:
    counter = data.counter()
    rules = selectors.rules_for(counter)
    day = timezone.localdate() + timedelta(days=3)
    while slots.is_closed(rules, day):
        day += timedelta(days=1)
    start = selectors.free_slots(counter, day)[0].start
    return services.book(counter=counter, start=start, name="加賀 太郎")


def test_the_booking_page_offers_the_visit_as_an_ics_file(client: Client) -> None:
    booking, token = _booked()
    url = reverse("reservations:booking_ics", args=[token])

    page = client.get(reverse("reservations:booking", args=[token]))
    response = client.get(url)

    assert url in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == booking.start
    assert event.decoded("dtend") == booking.end
    assert "加賀 太郎" not in response.content.decode()


def test_a_cancelled_or_unknown_booking_has_no_ics(client: Client) -> None:
    _booking, token = _booked()
    services.cancel(token=token)

    assert client.get(reverse("reservations:booking_ics", args=[token])).status_code == 404
    assert client.get(reverse("reservations:booking_ics", args=["nope"])).status_code == 404
