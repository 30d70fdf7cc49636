"""The staff day view: department-scoped, marks arrival, blocks a slot."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from madoguchi.reservations import selectors, services
from madoguchi.reservations.models import BlockedSlot, BookingStatus, Counter
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import DepartmentFactory, StaffFactory
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


def test_staff_define_a_counter_with_opening_hours_for_their_department_only() -> None:
    department = DepartmentFactory()
    other = DepartmentFactory(municipality=department.municipality)
    clerk = StaffFactory(departments=[department], municipality=department.municipality)
    browser = log_in_staff(clerk)
    fields = {
        "name": "市民課 窓口",
        "capacity": "2",
        "slot_minutes": "20",
        "horizon_days": "14",
        "cutoff_hours": "3",
        "new_year_closed": "on",
        "opens_0": "09:00",
        "closes_0": "12:00",
    }

    foreign = browser.post(reverse("reservations_staff:new"), fields | {"department": other.pk})
    wrong = browser.post(
        reverse("reservations_staff:new"),
        fields | {"department": department.pk, "opens_1": "13:00", "closes_1": "12:00"},
    )
    saved = browser.post(reverse("reservations_staff:new"), fields | {"department": department.pk})

    assert foreign.status_code == 422
    assert wrong.status_code == 422
    assert saved.status_code == 302
    counter = Counter.objects.get()
    assert (counter.department, counter.capacity, counter.slot_minutes) == (department, 2, 20)
    assert [(h.weekday, h.opens, h.closes) for h in counter.hours.all()] == [(0, time(9), time(12))]
    assert browser.get(reverse("reservations_staff:edit", args=[counter.pk])).status_code == 200


def test_staff_close_their_counter_for_days_and_those_days_offer_no_slot() -> None:
    counter = data.counter()
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    browser = log_in_staff(clerk)
    monday = data.MONDAY.date().isoformat()

    backwards = browser.post(
        reverse("reservations_staff:add_closure", args=[counter.pk]),
        {"first_day": monday, "last_day": "2027-06-01"},
    )
    browser.post(
        reverse("reservations_staff:add_closure", args=[counter.pk]),
        {"first_day": monday, "last_day": monday, "reason": "システム停止"},
    )

    assert backwards.status_code == 302
    assert counter.closures.count() == 1
    assert selectors.free_slots(counter, data.MONDAY.date(), now=data.NOW) == []
    page = browser.get(reverse("reservations_staff:edit", args=[counter.pk]))
    assert "システム停止" in page.content.decode()


@pytest.mark.parametrize(
    "name", ["index", "day", "edit", "waiting", "week", "statistics", "lengths"]
)
def test_every_staff_reservation_page_has_the_staff_menu_and_log_out(name: str) -> None:
    counter = data.counter()
    clerk = StaffFactory(
        departments=[counter.department], municipality=counter.department.municipality
    )
    browser = log_in_staff(clerk)
    args: list[object] = {
        "index": [],
        "day": [counter.pk, data.MONDAY.date().isoformat()],
    }.get(name, [counter.pk])

    page = browser.get(reverse(f"reservations_staff:{name}", args=args)).content.decode()

    assert 'class="staff-nav"' in page
    assert reverse("backoffice:logout") in page
    assert clerk.display_name in page
