"""The confirmation email with its .ics, and the idempotent day-before reminder."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.core import mail

from madoguchi.reservations import notify, services
from madoguchi.testing import reservations as data

pytestmark = pytest.mark.django_db


def test_the_confirmation_has_the_link_and_an_ics_of_the_visit() -> None:
    counter = data.counter()
    booking, token = services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )

    notify.send_confirmation(
        booking=booking, url=f"https://example.jp/reservations/booking/{token}/"
    )

    (message,) = mail.outbox
    assert token in message.body
    assert "加賀 太郎" not in message.body
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == ("visit.ics", "text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == data.at(9)
    assert event.decoded("dtend") == data.at(9, 30)


def test_the_reminder_goes_once_the_day_before_and_not_after_a_cancel() -> None:
    counter = data.counter(capacity=2)
    services.book(
        counter=counter, start=data.at(9), name="加賀 太郎", email="taro@example.jp", now=data.NOW
    )
    _other, token = services.book(
        counter=counter,
        start=data.at(10),
        name="加賀 花子",
        email="hanako@example.jp",
        now=data.NOW,
    )
    services.cancel(token=token)
    evening_before = data.at(18) - timedelta(days=1)

    early = notify.send_reminders(now=evening_before - timedelta(days=2))
    first = notify.send_reminders(now=evening_before)
    again = notify.send_reminders(now=evening_before + timedelta(hours=1))

    assert (early, first, again) == (0, 1, 0)
    assert [m.to for m in mail.outbox] == [["taro@example.jp"]]
