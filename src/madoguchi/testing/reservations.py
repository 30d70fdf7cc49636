"""Test data for visit reservations: a counter open on weekdays, and a Monday to book."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from madoguchi.forms.models import Form
from madoguchi.reservations.models import Counter, OpeningHours, ProcedureLength
from madoguchi.tenants.models import Department

from .counter import COUNTER_SCHEMA
from .factories import DepartmentFactory, publish_form

TOKYO = timezone.get_default_timezone()
# A Monday that is no holiday, and "now" a week before it.
MONDAY = datetime(2027, 6, 7, tzinfo=TOKYO)
NOW = MONDAY - timedelta(days=7)


def counter(
    *, department: Department | None = None, capacity: int = 1, slot_minutes: int = 30
) -> Counter:
    """A counter open Monday to Friday 9:00–12:00 (six 30-minute slots a day)."""
    owner: Department = department or DepartmentFactory()  # type: ignore[assignment]
    made = Counter.objects.create(
        department=owner, name="市民課窓口", capacity=capacity, slot_minutes=slot_minutes
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(counter=made, weekday=day, opens=time(9), closes=time(12)) for day in range(5)
    )
    return made


def at(hour: int, minute: int = 0) -> datetime:
    """A start time on :data:`MONDAY`."""
    return MONDAY.replace(hour=hour, minute=minute)


def procedure(counter: Counter, *, slug: str, ja: str, en: str, minutes: int | None = None) -> Form:
    """A procedure residents can book at ``counter`` (a form of its department offering the
    counter channel), titled ``ja``/``en``, taking ``minutes`` there (None: one slot)."""
    schema = COUNTER_SCHEMA | {"title": {"ja": ja, "en": en}}
    form = publish_form(department=counter.department, slug=slug, schema=schema).form
    if minutes is not None:
        ProcedureLength.objects.create(counter=counter, form=form, minutes=minutes)
    return form
