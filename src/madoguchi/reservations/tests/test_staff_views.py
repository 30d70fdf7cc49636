"""The staff day view: department-scoped, marks arrival, blocks a slot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.reservations import services
from madoguchi.reservations.models import BlockedSlot, BookingStatus
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def test_the_day_view_lists_the_visitors_and_marks_one_arrived() -> None:
    counter = data.counter()
    booking, _token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", now=data.NOW
    )
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    browser = log_in_staff(clerk)
    day_url = reverse("reservations_staff:day", args=[counter.pk, data.MONDAY.date().isoformat()])

    index = browser.get(reverse("reservations_staff:index"))
    page = browser.get(day_url)
    browser.post(reverse("reservations_staff:mark", args=[booking.pk]), {"status": "arrived"})
    browser.post(
        reverse("reservations_staff:block", args=[counter.pk]), {"start": data.at(11).isoformat()}
    )

    assert counter.name in index.content.decode()
    assert "加賀 太郎" in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ARRIVED
    assert BlockedSlot.objects.filter(counter=counter, start=data.at(11)).exists()


def test_staff_of_another_department_cannot_see_the_counter() -> None:
    counter = data.counter()
    stranger = StaffFactory(municipality=counter.department.municipality)
    browser = log_in_staff(stranger)

    page = browser.get(
        reverse("reservations_staff:day", args=[counter.pk, data.MONDAY.date().isoformat()])
    )

    assert page.status_code == 404
