"""The resident's booking pages, through the test client: no JavaScript involved."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.reservations import selectors, services, slots
from madoguchi.reservations.models import Booking, BookingStatus, Counter, ProcedureLength
from madoguchi.testing import counter as counter_data
from madoguchi.testing import reservations as data
from madoguchi.testing.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _next_open_day(counter: Counter) -> datetime:
    rules = selectors.rules_for(counter)
    day = timezone.localtime() + timedelta(days=3)
    while slots.is_closed(rules, day.date()):
        day += timedelta(days=1)
    return day


def test_a_resident_books_from_the_calendar_and_cancels_by_the_secret_link(client: Client) -> None:
    counter = data.counter(capacity=1)
    day = _next_open_day(counter).date()
    calendar = client.get(reverse("reservations:calendar", args=[counter.pk]))
    day_url = reverse("reservations:day", args=[counter.pk, day.isoformat()])
    assert calendar.status_code == 200
    assert '<th scope="col"' in calendar.content.decode()

    page = client.get(day_url)
    start = page.context["offered"][0].start
    booked = client.post(
        day_url, {"start": start.isoformat(), "name": "加賀 太郎", "email": "taro@example.jp"}
    )

    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert booking.start == start
    (email,) = mail.outbox
    assert booked["Location"] in email.body
    confirmation = client.get(booked["Location"])
    assert "加賀 太郎" in confirmation.content.decode()
    client.post(booked["Location"] + "cancel/")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_taken_last_seat_shows_the_refusal_and_keeps_what_was_typed(client: Client) -> None:
    counter = data.counter(capacity=1)
    day = _next_open_day(counter).date()
    day_url = reverse("reservations:day", args=[counter.pk, day.isoformat()])
    start = client.get(day_url).context["offered"][0].start
    services.book(counter=counter, start=start, name="先約")

    page = client.post(day_url, {"start": start.isoformat(), "name": "加賀 花子"})

    # The slot is no longer offered, so the form says to choose another time.
    assert page.status_code == 422
    assert "加賀 花子" in page.content.decode()
    assert Booking.objects.count() == 1


def test_an_unknown_booking_link_is_not_found(client: Client) -> None:
    assert client.get(reverse("reservations:booking", args=["nope"])).status_code == 404


def test_the_pre_registration_page_links_to_a_booking_that_carries_it(client: Client) -> None:
    prereg, token = counter_data.preregistration()
    counter = data.counter(department=prereg.department)
    day = _next_open_day(counter).date()

    prereg_page = client.get(reverse("counter_resident:preregistered", args=[token]))
    calendar_url = reverse("reservations:prereg_calendar", args=[token])
    day_url = reverse("reservations:prereg_day", args=[token, day.isoformat()])
    start = client.get(day_url).context["offered"][0].start
    booked = client.post(day_url, {"start": start.isoformat(), "name": "加賀 太郎"})

    assert calendar_url in prereg_page.content.decode()
    assert client.get(calendar_url).status_code == 200
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert booking.preregistration == prereg
    assert selectors.booking_forms(booking) == [prereg.form_version.form]


def test_a_department_without_a_counter_says_to_come_in_opening_hours(client: Client) -> None:
    _prereg, token = counter_data.preregistration()

    page = client.get(reverse("reservations:prereg_calendar", args=[token]))

    assert 'data-testid="reservation-no-counter"' in page.content.decode()


def test_a_resident_moves_the_booking_to_another_time_by_the_secret_link(client: Client) -> None:
    counter = data.counter(capacity=1)
    day = _next_open_day(counter).date()
    offered = selectors.free_slots(counter, day)
    booking, token = services.book(counter=counter, start=offered[0].start, name="加賀 太郎")
    change_url = reverse("reservations:change_day", args=[token, day.isoformat()])

    calendar = client.get(reverse("reservations:change", args=[token]))
    moved = client.post(change_url, {"start": offered[1].start.isoformat()})

    assert change_url in calendar.content.decode()
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.start == offered[1].start


def test_a_resident_chooses_the_procedure_and_its_length_is_booked(client: Client) -> None:
    counter = data.counter(capacity=1)
    form = counter_data.counter_form(department=counter.department).form
    ProcedureLength.objects.create(counter=counter, form=form, minutes=50)
    day = _next_open_day(counter).date()

    calendar = client.get(reverse("reservations:calendar", args=[counter.pk]), {"form": form.pk})
    day_url = reverse("reservations:day", args=[counter.pk, day.isoformat()])
    offered = client.get(day_url, {"form": form.pk}).context["offered"]
    booked = client.post(
        day_url, {"form": form.pk, "start": offered[0].start.isoformat(), "name": "加賀 太郎"}
    )

    assert f"?form={form.pk}" in calendar.content.decode()
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert selectors.booking_forms(booking) == [form]
    assert booking.end - booking.start == timedelta(hours=1)


def test_a_municipality_lists_its_bookable_counters_and_only_its_own() -> None:
    kaga = data.counter()
    other_city = data.counter()
    lg_code = kaga.department.municipality.lg_code

    page = Client().get(reverse("reservations:municipality", args=[lg_code]))
    nowhere = Client().get(reverse("reservations:municipality", args=["999999"]))

    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("reservations:calendar", args=[kaga.pk]) in html
    assert reverse("reservations:calendar", args=[other_city.pk]) not in html
    assert nowhere.status_code == 404


def test_the_municipality_procedure_list_links_booking_when_it_has_counters() -> None:
    counter = data.counter()
    without = DepartmentFactory()
    booking_list = reverse(
        "reservations:municipality", args=[counter.department.municipality.lg_code]
    )

    shown = Client().get(
        reverse("submissions:procedures", args=[counter.department.municipality.lg_code])
    )
    none = Client().get(reverse("submissions:procedures", args=[without.municipality.lg_code]))

    assert f'href="{booking_list}"' in shown.content.decode()
    assert "/reservations/city/" not in none.content.decode()
