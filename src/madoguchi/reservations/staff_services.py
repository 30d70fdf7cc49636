"""Staff writes on a counter's plan: moving a booking for the resident, and the length of
each procedure at the counter.

Moving takes seats like booking does (services.py): the counter's row is locked
(``SELECT … FOR UPDATE``) before the seats are counted, so a clerk and a resident after the
same last seat are served one after the other. The visit keeps its length and its
procedures; the clerk is not held to the resident's cut-off (staff_selectors.move_targets).
The ledger gets the clerk's pseudonym, the booking's and the reason's code: no free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import events
from madoguchi.tenants.models import StaffMember

from . import selectors, services, slots, staff_selectors
from .models import Booking, BookingStatus, Counter, ProcedureLength
from .refusals import BookingClosed, NotYourCounter, SlotFull, SlotNotOffered

# The longest a procedure may be set to take at a counter: a whole working day.
MAX_PROCEDURE_MINUTES = 480


class MoveReason(models.TextChoices):
    """Why staff moved a booking: a code for the ledger, never the clerk's own words."""

    RESIDENT_ASKED = "resident_asked", _("The resident asked (by phone or at the counter)")
    COUNTER_CLOSED = "counter_closed", _("The counter is closed or blocked at that time")
    STAFFING = "staffing", _("Not enough staff at that time")
    OTHER = "other", _("Another reason")


def _check_counter(counter_id: int, by: StaffMember) -> None:
    if not selectors.counters_for(by).filter(pk=counter_id).exists():
        raise NotYourCounter()


def move_booking(
    *,
    booking: Booking,
    start: datetime,
    by: StaffMember,
    reason: MoveReason,
    now: datetime | None = None,
) -> Booking:
    """Move ``booking`` to ``start`` at the same counter for the resident, keeping its
    length, procedures and secret link; the day-before reminder is re-armed.

    Raises :class:`NotYourCounter` for a clerk of another department,
    :class:`BookingClosed` when the booking was cancelled or marked meanwhile,
    :class:`SlotNotOffered` for a time the counter does not offer (or past) and
    :class:`SlotFull` when a seat it needs was taken meanwhile.
    """
    now = now or timezone.now()
    _check_counter(booking.counter_id, by)
    with transaction.atomic():
        Counter.objects.select_for_update().only("pk").get(pk=booking.counter_id)
        current = Booking.objects.select_related("counter", "preregistration").get(pk=booking.pk)
        if current.status != BookingStatus.BOOKED:
            raise BookingClosed()
        local = start.astimezone(timezone.get_default_timezone())
        targets = staff_selectors.move_targets(current, local.date(), now=now)
        target = next((slot for slot in targets if slot.start == local), None)
        if target is None:
            rules = staff_selectors.staff_rules(
                selectors.rules_for(current.counter, first=local.date(), last=local.date())
            )
            minutes = int((current.end - current.start) / timedelta(minutes=1))
            every = slots.free_slots(rules, local.date(), now=now, taken={}, minutes=minutes)
            if any(slot.start == local for slot in every):
                raise SlotFull()
            raise SlotNotOffered()
        moved_from = current.start
        updated = Booking.objects.filter(pk=current.pk, status=BookingStatus.BOOKED).update(
            start=target.start, end=target.end, reminded_at=None
        )
        if not updated:
            raise BookingClosed()
        current.start, current.end, current.reminded_at = target.start, target.end, None
        events.record(
            events.Event.RESERVATION_CHANGED,
            actor=events.pseudonym("staff", by.pk),
            subject=services.booking_subject(current),
            detail={
                "counter": f"reservation-counter:{current.counter_id}",
                "from": moved_from.isoformat(),
                "start": current.start.isoformat(),
                "minutes": str(int((current.end - current.start) / timedelta(minutes=1))),
                "reason": str(reason.value),
            },
        )
    booking.start, booking.end, booking.reminded_at = current.start, current.end, None
    return current


def save_lengths(*, counter: Counter, minutes: Mapping[int, int | None], by: StaffMember) -> None:
    """Set how long each procedure (by form id) takes at ``counter``; None: one slot.

    Only the procedures residents can book at the counter are taken; others are ignored.
    """
    _check_counter(counter.pk, by)
    offered = {form.pk for form, _title in selectors.counter_procedures(counter, language="ja")}
    with transaction.atomic():
        for form_id, length in minutes.items():
            if form_id not in offered:
                continue
            if length is None:
                ProcedureLength.objects.filter(counter=counter, form_id=form_id).delete()
            elif not 1 <= length <= MAX_PROCEDURE_MINUTES:
                raise ValueError(length)
            else:
                ProcedureLength.objects.update_or_create(
                    counter=counter, form_id=form_id, defaults={"minutes": length}
                )
