"""Emails about a booking: the confirmation with an ``.ics`` and the day-before reminder.

The confirmation carries the secret change/cancel link (it is only known at booking time:
the database keeps its hash). The reminder cannot, so it names the visit and points to the
confirmation email. Reminders are idempotent: a booking is claimed by setting
``reminded_at`` with a conditional UPDATE before the email goes out, so two workers (or a
second run of the command) never send it twice. Neither email contains answers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import icalendar
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import reference as references
from . import selectors
from .models import Booking, BookingStatus


def ics_for(booking: Booking, *, now: datetime | None = None) -> bytes:
    """An iCalendar file with the visit as one event (no personal data but the place).

    The event keeps its UID when the visit moves; its SEQUENCE (minutes since booking)
    grows, so a calendar that imported the first file replaces it with a later one.
    """
    now = now or timezone.now()
    department = booking.counter.department
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Madoguchi//reservations//JA")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"booking-{booking.pk}-{booking.token_hash[:16]}@madoguchi")
    event.add("dtstamp", max(now, booking.created_at))
    event.add("sequence", max(0, int((now - booking.created_at) / timedelta(minutes=1))))
    event.add("dtstart", booking.start)
    event.add("dtend", booking.end)
    event.add("summary", f"{department.municipality.name} {department.name} {booking.counter.name}")
    event.add("location", department.postal_address or department.name)
    titles = selectors.booking_procedure_titles(booking, language=booking.language)
    with translation.override(booking.language):
        lines = [f"{gettext('Booking number')}: {references.grouped(booking.reference)}"]
        if titles:
            lines += [gettext("Procedures") + ":", *titles]
        event.add("description", "\n".join(lines))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _context(booking: Booking) -> dict[str, object]:
    department = booking.counter.department
    return {
        "booking": booking,
        "where": f"{department.municipality.name} {department.name} {booking.counter.name}",
        "start": timezone.localtime(booking.start),
        "end": timezone.localtime(booking.end),
        "procedures": selectors.booking_procedure_titles(booking, language=booking.language),
        "reference": references.grouped(booking.reference),
    }


def send_confirmation(*, booking: Booking, url: str) -> None:
    """Email the booking, its change/cancel link and the .ics, if an address was given."""
    if not booking.email:
        return
    with translation.override(booking.language):
        message = EmailMessage(
            subject=gettext("Your visit is booked"),
            body=render_to_string(
                "reservations/email/booked.txt", _context(booking) | {"url": url}
            ),
            to=[booking.email],
        )
        message.attach("visit.ics", ics_for(booking), "text/calendar")
        message.send()


def send_moved(*, booking: Booking, now: datetime | None = None) -> None:
    """Tell the resident staff moved their visit, with a fresh .ics, if they gave an email.

    The secret link is not known here (only its hash is kept): the email points to the
    confirmation email for it, like the reminder.
    """
    if not booking.email:
        return
    with translation.override(booking.language):
        message = EmailMessage(
            subject=gettext("Your visit has been moved"),
            body=render_to_string("reservations/email/moved.txt", _context(booking)),
            to=[booking.email],
        )
        message.attach("visit.ics", ics_for(booking, now=now), "text/calendar")
        message.send()


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind everyone booked for tomorrow who gave an email and was not yet reminded.

    Returns how many emails were sent. Safe to run as often as wanted.
    """
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + timedelta(days=1)
    due = Booking.objects.filter(
        status=BookingStatus.BOOKED, start__date=tomorrow, reminded_at__isnull=True
    ).exclude(email="")
    sent = 0
    for pk in due.values_list("pk", flat=True):
        claimed = Booking.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now)
        if not claimed:
            continue  # another run took it
        booking = Booking.objects.select_related("counter__department__municipality").get(pk=pk)
        with translation.override(booking.language):
            EmailMessage(
                subject=gettext("Reminder: your visit tomorrow"),
                body=render_to_string("reservations/email/reminder.txt", _context(booking)),
                to=[booking.email],
            ).send()
        sent += 1
    return sent
