"""Reception (予約の受付): the visitor shows the booking's code, the clerk scans it.

:func:`check_in` takes what the scanner typed (or the clerk typed): the booking's ``MDR1``
code, the pre-registration's ``MDC1`` code of a booked pre-registration, or a bare number
(reference.py). It marks the booking arrived, which hands out its waiting number
(services.mark → waiting.issue_on_arrival), and returns the number. Scanning again returns
the same number and writes nothing: reception is idempotent, so a second scan (a nervous
visitor, a scanner that repeats) never hands out a second number.

The checks answer the clerk in order: a number that names no booking of the clerk's
municipality; a booking at a counter of a department the clerk does not handle; at another
counter of theirs; cancelled; on another day (saying which); already marked no-show. The
ledger gets what services.mark and waiting.issue record: pseudonyms and ids only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import formats, timezone

from madoguchi.counter.models import Preregistration
from madoguchi.tenants.models import StaffMember

from . import reference as references
from . import selectors, services, waiting
from .models import Booking, BookingStatus, Counter, WaitingTicket
from .refusals import (
    BookingAtAnotherCounter,
    BookingClosed,
    BookingMarkedNoShow,
    BookingOfAnotherDepartment,
    BookingOnAnotherDay,
    BookingWasCancelled,
    NotYourCounter,
    UnknownBookingReference,
)


@dataclass(frozen=True)
class CheckIn:
    """A booking checked in and its waiting number; ``first`` is False for a repeat scan."""

    booking: Booking
    ticket: WaitingTicket
    first: bool


@dataclass(frozen=True)
class PreparedApplication:
    """A pre-registration the visit brings, and the counter screen's visit once opened."""

    preregistration: Preregistration
    title: str
    visit_id: int | None


def find_booking(*, text: str, clerk: StaffMember) -> Booking:
    """The booking a scanned or typed ``text`` names, in the clerk's municipality.

    A bare number is looked up as a booking number first, then as a pre-registration
    number. A pre-registration booked more than once (cancelled and booked again) names its
    standing booking, else its latest one. Raises ``MalformedBookingReference`` or
    :class:`UnknownBookingReference`.
    """
    scanned = references.parse(text)
    bookings = Booking.objects.select_related(
        "counter__department", "preregistration__form_version"
    ).filter(counter__department__municipality_id=clerk.municipality_id)
    found: Booking | None = None
    if scanned.kind in (references.ScanKind.BOOKING, references.ScanKind.EITHER):
        found = bookings.filter(reference=scanned.reference).first()
    if found is None and scanned.kind in (
        references.ScanKind.PREREGISTRATION,
        references.ScanKind.EITHER,
    ):
        found = (
            bookings.filter(preregistration__reference=scanned.reference)
            .annotate(
                cancelled=Case(
                    When(status=BookingStatus.CANCELLED, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("cancelled", "-start")
            .first()
        )
    if found is None:
        raise UnknownBookingReference()
    return found


def _where(booking: Booking) -> str:
    return f"{booking.counter.department.name} {booking.counter.name}"


def check_in(
    *, text: str, counter: Counter, by: StaffMember, now: datetime | None = None
) -> CheckIn:
    """Check in the booking ``text`` names at ``counter`` today: mark it arrived (its
    waiting number is issued then, once) and return the number. See the module for the
    refusals and their order."""
    now = now or timezone.now()
    served = selectors.counters_for(by)
    if not served.filter(pk=counter.pk).exists():
        raise NotYourCounter()
    booking = find_booking(text=text, clerk=by)
    if not served.filter(pk=booking.counter_id).exists():
        raise BookingOfAnotherDepartment(counter=_where(booking))
    if booking.counter_id != counter.pk:
        raise BookingAtAnotherCounter(counter=_where(booking))
    with transaction.atomic():
        # The counter's row first, as every write here takes it (services._take_seats).
        Counter.objects.select_for_update().only("pk").get(pk=counter.pk)
        booking.status = Booking.objects.values_list("status", flat=True).get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            raise BookingWasCancelled()
        start = timezone.localtime(booking.start)
        if start.date() != timezone.localdate(now):
            raise BookingOnAnotherDay(day=formats.date_format(start, "Y/n/j (D) H:i"))
        if booking.status == BookingStatus.NO_SHOW:
            raise BookingMarkedNoShow()
        first = booking.status == BookingStatus.BOOKED
        if first:
            try:
                services.mark(booking=booking, status=BookingStatus.ARRIVED, by=by, now=now)
            except BookingClosed:  # the resident cancelled at this very moment
                raise BookingWasCancelled() from None
        ticket = waiting.issue(counter=counter, by=by, booking=booking, now=now)
    return CheckIn(booking=booking, ticket=ticket, first=first)


def checked_in(*, counter: Counter, booking_id: int) -> CheckIn | None:
    """The booking of ``counter`` checked in today with a number, for the reception panel
    (after the redirect), or None."""
    ticket = (
        WaitingTicket.objects.select_related(
            "booking__counter__department", "booking__preregistration__form_version"
        )
        .filter(counter=counter, booking_id=booking_id, day=timezone.localdate())
        .first()
    )
    if ticket is None or ticket.booking is None:
        return None
    return CheckIn(booking=ticket.booking, ticket=ticket, first=False)


def prepared_applications(booking: Booking, *, language: str) -> list[PreparedApplication]:
    """The applications prepared for the visit (its pre-registration, when it has one)."""
    preregistration = booking.preregistration
    if preregistration is None:
        return []
    application = getattr(preregistration, "visit_application", None)
    return [
        PreparedApplication(
            preregistration=preregistration,
            title=str(preregistration.form_version.schema.title.get(language)),
            visit_id=application.visit_id if application is not None else None,
        )
    ]
