"""Reads for visit reservations: a counter's rules, its free slots, a day's visitors."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import slots
from .models import Booking, BookingStatus, Counter, ProcedureLength

# Bookings that hold their seats: a cancelled one frees them.
ACTIVE = (BookingStatus.BOOKED, BookingStatus.ARRIVED, BookingStatus.NO_SHOW)


def rules_for(
    counter: Counter, *, first: date | None = None, last: date | None = None
) -> slots.CounterRules:
    """The counter's rules as plain values; blocked slots only between ``first`` and ``last``."""
    blocked = counter.blocked.all()
    if first is not None:
        blocked = blocked.filter(start__date__gte=first - timedelta(days=1))
    if last is not None:
        blocked = blocked.filter(start__date__lte=last + timedelta(days=1))
    return slots.CounterRules(
        hours={h.weekday: (h.opens, h.closes) for h in counter.hours.all()},
        tz=timezone.get_default_timezone(),
        capacity=counter.capacity,
        slot_minutes=counter.slot_minutes,
        horizon_days=counter.horizon_days,
        cutoff_hours=counter.cutoff_hours,
        closures=tuple((c.first_day, c.last_day) for c in counter.closures.all()),
        new_year_closed=counter.new_year_closed,
        blocked=frozenset(blocked.values_list("start", flat=True)),
    )


def procedure_minutes(counter: Counter, form: Form | None) -> int | None:
    """How long ``form``'s procedure takes at ``counter``; None for one slot."""
    if form is None:
        return None
    length = ProcedureLength.objects.filter(counter=counter, form=form).first()
    return length.minutes if length else None


def taken_on(counter: Counter, rules: slots.CounterRules, day: date) -> dict[datetime, int]:
    """Visitors booked per slot start on ``day`` (each slot a booking spans counts once)."""
    tally: Tally[datetime] = Tally()
    step = timedelta(minutes=rules.slot_minutes)
    bookings = Booking.objects.filter(
        counter=counter, status__in=ACTIVE, start__date__lte=day, end__date__gte=day
    ).values_list("start", "end")
    for start, end in bookings:
        moment = start
        while moment < end:
            tally[moment.astimezone(rules.tz)] += 1
            moment += step
    return dict(tally)


def free_slots(
    counter: Counter, day: date, *, form: Form | None = None, now: datetime | None = None
) -> list[slots.Slot]:
    """The slots of ``day`` at ``counter`` a visit for ``form`` can be booked into now."""
    rules = rules_for(counter, first=day, last=day)
    return slots.free_slots(
        rules,
        day,
        now=now or timezone.now(),
        taken=taken_on(counter, rules, day),
        minutes=procedure_minutes(counter, form),
    )


def visible_departments_of(staff: StaffMember) -> QuerySet[Department]:
    """The departments whose counters a staff member may set up."""
    return visible_departments(staff)


def counters_for(staff: StaffMember) -> QuerySet[Counter]:
    """The counters a staff member may set up and serve: those of their departments."""
    return Counter.objects.filter(department__in=visible_departments(staff)).select_related(
        "department"
    )


def day_bookings(counter: Counter, day: date) -> QuerySet[Booking]:
    """Everyone booked at ``counter`` on ``day`` (cancelled ones excluded), by time."""
    return (
        Booking.objects.filter(counter=counter, start__date=day, status__in=ACTIVE)
        .select_related("form", "preregistration")
        .order_by("start", "id")
    )


def counter_procedures(counter: Counter, *, language: str) -> list[tuple[Form, str]]:
    """The procedures residents can book a visit for at ``counter``: its department's
    published forms that offer the counter channel, with their titles in ``language``."""
    forms = Form.objects.filter(
        department_id=counter.department_id, current_version__isnull=False
    ).select_related("current_version")
    found = []
    for form in forms:
        version = form.current_version
        if version is not None and "counter" in version.schema.channels:
            found.append((form, str(version.schema.title.get(language))))
    return found
