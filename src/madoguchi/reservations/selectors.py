"""Reads for visit reservations: a counter's rules, its free slots, a day's visitors."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
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


def procedure_minutes(counter: Counter, forms: Sequence[Form]) -> int | None:
    """How long a visit for ``forms`` takes at ``counter``: each procedure's length there
    (its ProcedureLength, else one slot) added up; None (one slot) for no procedure.

    The slots then round the sum up to whole slots (slots.slots_needed), so two 10-minute
    procedures fit one 30-minute slot and two 20-minute ones take two.
    """
    if not forms:
        return None
    lengths = dict(
        ProcedureLength.objects.filter(counter=counter, form__in=forms).values_list(
            "form_id", "minutes"
        )
    )
    return sum(lengths.get(form.pk, counter.slot_minutes) for form in forms)


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
    counter: Counter, day: date, *, forms: Sequence[Form] = (), now: datetime | None = None
) -> list[slots.Slot]:
    """The slots of ``day`` at ``counter`` a visit for ``forms`` can be booked into now."""
    rules = rules_for(counter, first=day, last=day)
    return slots.free_slots(
        rules,
        day,
        now=now or timezone.now(),
        taken=taken_on(counter, rules, day),
        minutes=procedure_minutes(counter, forms),
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
        .select_related("preregistration")
        .prefetch_related("procedures__form__current_version")
        .order_by("start", "id")
    )


def bookable_forms(counter: Counter) -> list[Form]:
    """The procedures a visit at ``counter`` can be booked for: its department's published
    forms that offer the counter channel."""
    forms = Form.objects.filter(
        department_id=counter.department_id, current_version__isnull=False
    ).select_related("current_version")
    return [
        form
        for form in forms
        if form.current_version is not None and "counter" in form.current_version.schema.channels
    ]


def procedure_title(form: Form, *, language: str) -> str:
    """A procedure's title in ``language`` (its current version's), else its slug."""
    version = form.current_version
    return str(version.schema.title.get(language)) if version is not None else form.slug


def counter_procedures(counter: Counter, *, language: str) -> list[tuple[Form, str]]:
    """The procedures residents can book a visit for at ``counter``, with their titles in
    ``language``."""
    return [(form, procedure_title(form, language=language)) for form in bookable_forms(counter)]


def booking_forms(booking: Booking) -> list[Form]:
    """The procedures of ``booking``, in the order they were chosen (what day_bookings
    prefetched, if it did)."""
    return [procedure.form for procedure in booking.procedures.all()]


def booking_procedure_titles(booking: Booking, *, language: str) -> list[str]:
    """The titles of ``booking``'s procedures in ``language``, in the order chosen."""
    return [procedure_title(form, language=language) for form in booking_forms(booking)]


def counters_of_municipality(lg_code: str) -> QuerySet[Counter]:
    """The counters residents of one municipality can book, for its public list."""
    return (
        Counter.objects.filter(department__municipality__lg_code=lg_code)
        .select_related("department", "department__municipality")
        .order_by("department__name", "name")
    )
