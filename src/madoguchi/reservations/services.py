"""Writes for visit reservations: book, move, cancel, and mark arrived or no-show.

No double booking: every write that takes seats locks the counter's row
(``SELECT … FOR UPDATE``) before counting the seats already taken, so two residents
booking the last seat of a slot at the same moment are served one after the other and the
second is refused (tests/test_concurrency.py runs it on PostgreSQL; SQLite serialises
writers anyway). The ledger gets the booking's pseudonym, the counter and the times only.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.counter.models import Preregistration
from madoguchi.forms.models import Form
from madoguchi.tenants.models import StaffMember

from . import selectors, slots, waiting
from .models import (
    BlockedSlot,
    Booking,
    BookingProcedure,
    BookingStatus,
    Closure,
    Counter,
    OpeningHours,
)
from .refusals import (
    BookingClosed,
    NotYourCounter,
    ProcedureNotOffered,
    SlotFull,
    SlotNotOffered,
    UnknownBooking,
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def booking_subject(booking: Booking) -> str:
    return events.pseudonym("booking", booking.pk)


def _counter_subject(counter: Counter) -> str:
    return f"reservation-counter:{counter.pk}"


def _offered_procedures(
    counter: Counter, forms: Sequence[Form], preregistration: Preregistration | None = None
) -> list[Form]:
    """``forms`` without repeats, the pre-registration's procedure first if missing, each
    checked to be one the counter takes (its department's, offering the counter channel).

    A pre-registration's procedure offered the counter channel when it was made; it stays
    bookable at its department's counter even if a later version of the form dropped it.
    """
    wanted = list(forms)
    offered = {form.pk for form in selectors.bookable_forms(counter)}
    if preregistration is not None:
        prepared = preregistration.form_version.form
        if prepared.department_id == counter.department_id:
            offered.add(prepared.pk)
        if all(form.pk != prepared.pk for form in wanted):
            wanted.insert(0, prepared)
    unique: dict[int, Form] = {}
    for form in wanted:
        if form.pk not in offered:
            raise ProcedureNotOffered()
        unique.setdefault(form.pk, form)
    return list(unique.values())


def _take_seats(
    *,
    counter: Counter,
    start: datetime,
    forms: Sequence[Form],
    now: datetime,
    ignore: Booking | None = None,
) -> datetime:
    """Check, with the counter's row locked, that a visit at ``start`` fits; return its end."""
    Counter.objects.select_for_update().only("pk").get(pk=counter.pk)
    day = start.astimezone(timezone.get_default_timezone()).date()
    rules = selectors.rules_for(counter, first=day, last=day)
    minutes = selectors.procedure_minutes(counter, forms)
    if not slots.bookable(rules, start, now=now):
        raise SlotNotOffered()
    taken = selectors.taken_on(counter, rules, day)
    if ignore is not None:
        for moment in slots.occupied_starts(
            rules, ignore.start, int((ignore.end - ignore.start).total_seconds() // 60)
        ):
            key = moment.astimezone(rules.tz)
            if key in taken:
                taken[key] -= 1
    local = start.astimezone(rules.tz)
    offered = slots.free_slots(rules, day, now=now, taken=taken, minutes=minutes)
    match = next((slot for slot in offered if slot.start == local), None)
    if match is None:
        every = slots.free_slots(rules, day, now=now, taken={}, minutes=minutes)
        if any(slot.start == local for slot in every):
            raise SlotFull()
        raise SlotNotOffered()
    return match.end


def book(
    *,
    counter: Counter,
    start: datetime,
    name: str,
    email: str = "",
    forms: Sequence[Form] = (),
    preregistration: Preregistration | None = None,
    language: str = "ja",
    now: datetime | None = None,
) -> tuple[Booking, str]:
    """Book a visit for ``forms`` at ``counter`` from ``start``; return it and the secret
    change/cancel token.

    The visit lasts the procedures' lengths at the counter added up (one slot without any);
    a pre-registration's procedure is always one of them. Raises :class:`ProcedureNotOffered`
    for a procedure the counter does not take, :class:`SlotNotOffered` for a time the
    counter does not offer now and :class:`SlotFull` when a seat of a slot the visit spans
    was taken meanwhile. Only the token's hash is kept.
    """
    now = now or timezone.now()
    token = secrets.token_urlsafe(24)
    chosen = _offered_procedures(counter, forms, preregistration)
    with transaction.atomic():
        end = _take_seats(counter=counter, start=start, forms=chosen, now=now)
        booking = Booking.objects.create(
            counter=counter,
            preregistration=preregistration,
            start=start,
            end=end,
            name=name,
            email=email,
            language=language,
            token_hash=hash_token(token),
            created_at=now,
        )
        BookingProcedure.objects.bulk_create(
            BookingProcedure(booking=booking, form=form, position=position)
            for position, form in enumerate(chosen)
        )
        events.record(
            events.Event.RESERVATION_BOOKED,
            actor="resident",
            subject=booking_subject(booking),
            detail=_detail(booking),
        )
    return booking, token


def booking_for_token(token: str) -> Booking:
    """The booking a resident's secret link names, or :class:`UnknownBooking`."""
    booking = (
        Booking.objects.select_related("counter__department", "preregistration")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if booking is None:
        raise UnknownBooking()
    return booking


def change(*, token: str, start: datetime, now: datetime | None = None) -> Booking:
    """Move a booking to another start at the same counter, keeping its link and its
    procedures (checked again: :class:`ProcedureNotOffered` if the counter no longer takes
    one, then the resident books anew)."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_for_token(token)
        if booking.status != BookingStatus.BOOKED:
            raise BookingClosed()
        chosen = _offered_procedures(
            booking.counter, selectors.booking_forms(booking), booking.preregistration
        )
        end = _take_seats(
            counter=booking.counter, start=start, forms=chosen, now=now, ignore=booking
        )
        booking.start, booking.end, booking.reminded_at = start, end, None
        booking.save(update_fields=["start", "end", "reminded_at"])
        events.record(
            events.Event.RESERVATION_CHANGED,
            actor="resident",
            subject=booking_subject(booking),
            detail=_detail(booking),
        )
    return booking


def cancel(*, token: str) -> Booking:
    """Cancel a booking by its secret link; its seats are free again at once."""
    with transaction.atomic():
        booking = booking_for_token(token)
        if booking.status != BookingStatus.BOOKED:
            raise BookingClosed()
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
        events.record(
            events.Event.RESERVATION_CANCELLED,
            actor="resident",
            subject=booking_subject(booking),
            detail=_detail(booking),
        )
    return booking


def mark(
    *, booking: Booking, status: BookingStatus, by: StaffMember, now: datetime | None = None
) -> Booking:
    """At the counter: the visitor arrived (``arrived``) or did not come (``no_show``).

    Arriving on the day of the visit also hands out the visitor's waiting number (once,
    see waiting.issue_on_arrival).
    """
    if status not in (BookingStatus.ARRIVED, BookingStatus.NO_SHOW):
        raise ValueError(status)
    if not selectors.counters_for(by).filter(pk=booking.counter_id).exists():
        raise NotYourCounter()
    with transaction.atomic():
        updated = Booking.objects.filter(
            pk=booking.pk, status__in=(BookingStatus.BOOKED, BookingStatus.NO_SHOW)
        ).update(status=status)
        if not updated:
            raise BookingClosed()
        booking.status = status
        events.record(
            events.Event.RESERVATION_ARRIVED
            if status == BookingStatus.ARRIVED
            else events.Event.RESERVATION_NO_SHOW,
            actor=events.pseudonym("staff", by.pk),
            subject=booking_subject(booking),
            detail=_detail(booking),
        )
        if status == BookingStatus.ARRIVED:
            waiting.issue_on_arrival(booking=booking, by=by, now=now)
    return booking


def _detail(booking: Booking) -> dict[str, str]:
    detail = {
        "counter": _counter_subject(booking.counter),
        "start": booking.start.isoformat(),
        "minutes": str(int((booking.end - booking.start) / timedelta(minutes=1))),
    }
    form_ids = [str(procedure.form_id) for procedure in booking.procedures.all()]
    if form_ids:
        detail["forms"] = ",".join(form_ids)
    if booking.preregistration is not None:
        detail["preregistration"] = booking.preregistration.reference
    return detail


def block_slot(*, counter: Counter, start: datetime, by: StaffMember) -> None:
    """Take one slot out of booking (bookings already in it stay; staff call them)."""
    if not selectors.counters_for(by).filter(pk=counter.pk).exists():
        raise NotYourCounter()
    BlockedSlot.objects.get_or_create(counter=counter, start=start)


def save_counter(
    *, counter: Counter, hours: dict[int, tuple[time, time]], by: StaffMember
) -> Counter:
    """Create or update a counter and replace its opening hours (staff of its department)."""
    if not selectors.visible_departments_of(by).filter(pk=counter.department_id).exists():
        raise NotYourCounter()
    with transaction.atomic():
        counter.save()
        counter.hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(counter=counter, weekday=day, opens=opens, closes=closes)
            for day, (opens, closes) in sorted(hours.items())
        )
    return counter


def add_closure(
    *, counter: Counter, first_day: date, last_day: date, reason: str, by: StaffMember
) -> Closure:
    """Close a counter for a range of days (inclusive); bookings in it stay, staff call them."""
    if not selectors.counters_for(by).filter(pk=counter.pk).exists():
        raise NotYourCounter()
    return Closure.objects.create(
        counter=counter, first_day=first_day, last_day=last_day, reason=reason
    )
