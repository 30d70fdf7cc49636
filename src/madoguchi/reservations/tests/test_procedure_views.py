"""Choosing several procedures on the resident's pages, without JavaScript (issue 17)."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.forms.models import Form
from madoguchi.reservations import notify, selectors, services, slots
from madoguchi.reservations.models import Booking, Counter
from madoguchi.testing import counter as counter_data
from madoguchi.testing import reservations as data
from madoguchi.testing.staff import log_in_staff

pytestmark = pytest.mark.django_db


def _open_day(counter: Counter) -> date:
    rules = selectors.rules_for(counter)
    day = timezone.localdate() + timedelta(days=3)
    while slots.is_closed(rules, day):
        day += timedelta(days=1)
    return day


def _two_procedures(counter: Counter) -> tuple[Form, Form]:
    moving_in = data.procedure(counter, slug="a-tennyu", ja="転入届", en="Moving in", minutes=40)
    allowance = data.procedure(counter, slug="b-jido", ja="児童手当", en="Child allowance")
    return moving_in, allowance


def test_the_calendar_asks_for_the_procedures_with_checkboxes_in_a_fieldset(client: Client) -> None:
    counter = data.counter()
    _two_procedures(counter)

    page = client.get(reverse("reservations:calendar", args=[counter.pk])).content.decode()

    assert "<fieldset" in page and "<legend>" in page
    assert page.count('type="checkbox" ') == 2
    assert 'data-testid="reservation-choose-first"' in page
    assert 'data-testid="reservation-calendar"' not in page


def test_asking_for_days_without_a_procedure_says_to_choose_one(client: Client) -> None:
    counter = data.counter()
    _two_procedures(counter)

    page = client.get(reverse("reservations:calendar", args=[counter.pk]), {"show": "1"})

    assert page.status_code == 422
    body = page.content.decode()
    assert "手続きを1つ以上選んでください" in body
    assert 'aria-describedby="procedure-hint procedure-error"' in body


def test_two_procedures_are_booked_in_one_visit_of_their_added_length(client: Client) -> None:
    counter = data.counter(capacity=1)
    moving_in, allowance = _two_procedures(counter)
    day = _open_day(counter)
    chosen = {"form": [moving_in.pk, allowance.pk]}

    calendar = client.get(reverse("reservations:calendar", args=[counter.pk]), chosen | {"show": 1})
    day_url = reverse("reservations:day", args=[counter.pk, day.isoformat()])
    day_page = client.get(day_url, chosen)
    offered = day_page.context["offered"]
    booked = client.post(
        day_url,
        chosen
        | {"start": offered[0].start.isoformat(), "name": "加賀 太郎", "email": "t@example.jp"},
    )

    html = calendar.content.decode()
    assert html.count(" checked") == 2
    assert f"{day_url}?form={moving_in.pk}&amp;form={allowance.pk}" in html
    assert offered[0].end - offered[0].start == timedelta(minutes=90)
    assert "転入届" in day_page.content.decode() and "児童手当" in day_page.content.decode()
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert selectors.booking_forms(booking) == [moving_in, allowance]
    assert booking.end - booking.start == timedelta(minutes=90)
    confirmation = client.get(booked["Location"]).content.decode()
    assert "転入届" in confirmation and "児童手当" in confirmation
    (email,) = mail.outbox
    assert "- 転入届\n- 児童手当\n" in email.body
    event = icalendar.Calendar.from_ical(email.attachments[0][1]).walk("VEVENT")[0]
    assert str(event["description"]).endswith("\n手続き:\n転入届\n児童手当")


def test_a_mistake_keeps_the_procedures_and_what_was_typed(client: Client) -> None:
    counter = data.counter()
    moving_in, allowance = _two_procedures(counter)
    day_url = reverse("reservations:day", args=[counter.pk, _open_day(counter).isoformat()])

    page = client.post(
        day_url, {"form": [moving_in.pk, allowance.pk], "name": "加賀 太郎", "email": "nope"}
    )

    assert page.status_code == 422
    body = page.content.decode()
    assert f'name="form" value="{moving_in.pk}"' in body
    assert f'name="form" value="{allowance.pk}"' in body
    assert 'value="加賀 太郎"' in body
    assert not Booking.objects.exists()


def test_a_day_reached_without_a_procedure_goes_back_to_choosing(client: Client) -> None:
    counter = data.counter()
    _two_procedures(counter)
    day_url = reverse("reservations:day", args=[counter.pk, _open_day(counter).isoformat()])

    page = client.get(day_url, {"form": "999999"})

    assert page.status_code == 302
    assert page["Location"].endswith("?show=1")


def test_from_a_pre_registration_its_procedure_is_checked_and_others_may_be_added(
    client: Client,
) -> None:
    prereg, token = counter_data.preregistration()
    counter = data.counter(department=prereg.department)
    allowance = data.procedure(counter, slug="b-jido", ja="児童手当", en="Child allowance")
    prepared = prereg.form_version.form
    day = _open_day(counter)

    calendar = client.get(reverse("reservations:prereg_calendar", args=[token])).content.decode()
    day_url = reverse("reservations:prereg_day", args=[token, day.isoformat()])
    offered = client.get(day_url, {"form": allowance.pk}).context["offered"]
    booked = client.post(
        day_url, {"form": allowance.pk, "start": offered[0].start.isoformat(), "name": "加賀 太郎"}
    )

    assert f'value="{prepared.pk}" checked disabled' in calendar
    assert 'data-testid="reservation-calendar"' in calendar
    assert booked.status_code == 302
    booking = Booking.objects.get()
    assert booking.preregistration == prereg
    assert selectors.booking_forms(booking) == [prepared, allowance]


def test_the_ics_lists_the_procedures_in_the_residents_language() -> None:
    counter = data.counter()
    moving_in, allowance = _two_procedures(counter)
    booking, _token = services.book(
        counter=counter,
        start=data.at(9),
        name="Kaga Taro",
        forms=[moving_in, allowance],
        language="en",
        now=data.NOW,
    )

    with override("ja"):
        event = icalendar.Calendar.from_ical(notify.ics_for(booking)).walk("VEVENT")[0]

    assert str(event["description"]) == (
        f"Booking number: {booking.reference[:4]}-{booking.reference[4:]}\n"
        "Procedures:\nMoving in\nChild allowance"
    )


def test_the_staff_day_view_shows_every_procedure_of_a_booking() -> None:
    counter = data.counter()
    moving_in, allowance = _two_procedures(counter)
    services.book(
        counter=counter,
        start=data.at(9),
        name="加賀 太郎",
        forms=[moving_in, allowance],
        now=data.NOW,
    )
    browser = log_in_staff(counter_data.clerk(counter.department), language="ja")

    page = browser.get(
        reverse("reservations_staff:day", args=[counter.pk, data.MONDAY.date().isoformat()])
    )

    row = page.content.decode().split("加賀 太郎")[1].split("</tr>")[0]
    assert "<li>転入届</li>" in row and "<li>児童手当</li>" in row


def test_whatever_the_query_says_only_offered_procedures_are_checked(client: Client) -> None:
    counter = data.counter()
    moving_in, allowance = _two_procedures(counter)
    offered = {str(moving_in.pk), str(allowance.pk)}
    url = reverse("reservations:calendar", args=[counter.pk])

    @given(
        st.lists(
            st.one_of(
                st.sampled_from(sorted(offered)),
                st.integers(min_value=-5, max_value=10**12).map(str),
                # Control characters are refused before any view (jp/errors.py, 400).
                st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=8),
            ),
            max_size=6,
        )
    )
    @settings(max_examples=60, deadline=None)
    def check(values: list[str]) -> None:
        page = client.get(url, {"form": values, "show": "1"})

        expected = len(offered & set(values))
        assert page.status_code == (200 if expected else 422)
        assert page.content.decode().count(" checked") == expected

    check()


def test_the_reminder_and_the_moved_email_list_the_procedures() -> None:
    counter = data.counter()
    moving_in, allowance = _two_procedures(counter)
    booking, _token = services.book(
        counter=counter,
        start=data.at(9),
        name="加賀 太郎",
        email="taro@example.jp",
        forms=[moving_in, allowance],
        now=data.NOW,
    )

    notify.send_reminders(now=data.at(9) - timedelta(days=1))
    notify.send_moved(booking=booking, now=data.NOW)

    reminder, moved = mail.outbox
    assert "- 転入届\n- 児童手当\n" in reminder.body
    assert "- 転入届\n- 児童手当\n" in moved.body
