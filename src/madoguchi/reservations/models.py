"""Visit reservations (来庁予約): counters with opening hours, closures and bookings.

Invariants: a booking occupies one seat in each slot it spans and never more than the
counter's capacity (the services lock the counter's row while they count, see
services.book); only the hash of the resident's secret change/cancel link is kept; the
ledger gets pseudonyms and references only, never the name or email kept here.
"""

from __future__ import annotations

from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.counter.models import Preregistration
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Department, StaffMember

from . import reference as references


class Counter(models.Model):
    """A counter residents can book a visit at (窓口), run by one department."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="reservation_counters"
    )
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveSmallIntegerField(
        _("visitors per slot"), default=1, validators=[MinValueValidator(1)]
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=30, validators=[MaxValueValidator(366)]
    )
    cutoff_hours = models.PositiveSmallIntegerField(
        _("booking closes hours before the visit"), default=24
    )
    new_year_closed = models.BooleanField(
        _("closed at the turn of the year (12/29–1/3)"), default=True
    )

    class Meta:
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """When a counter opens on one weekday (Monday 0 … Sunday 6); no row means closed."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])
    opens = models.TimeField(default=time(8, 30))
    closes = models.TimeField(default=time(17, 15))

    class Meta:
        ordering = ["counter", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter", "weekday"], name="reservation_hours_one_per_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="reservation_hours_open_before_close",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter_id}:{self.weekday} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ProcedureLength(models.Model):
    """How long one procedure (a form) takes at a counter, when not one slot."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="lengths")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["counter", "form"], name="reservation_length_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form_id}: {self.minutes} min"


class Closure(models.Model):
    """Days a counter is closed besides holidays, inclusive (臨時休業, システム停止 …)."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["counter", "first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_day__lte=models.F("last_day")),
                name="reservation_closure_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day}"


class BlockedSlot(models.Model):
    """A single slot staff took out of booking (a meeting, a short-staffed hour)."""

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="blocked")
    start = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["counter", "start"], name="reservation_block_unique")
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("Did not come")


class Booking(models.Model):
    """One resident's visit at a counter: ``start`` to ``end``, possibly several slots.

    The procedures of the visit are its :class:`BookingProcedure` rows (none for a counter
    whose department offers no procedure to choose); the visit lasts their lengths added up.
    ``preregistration`` is the pre-registration the booking was started from, if any: its
    procedure is one of the booking's. ``reference`` is the booking number the resident shows
    at reception (its QR code ``MDR1.<number>``, reference.py; checkin.py reads it).
    """

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="bookings")
    # The booking number (予約番号) the resident shows at reception, in its QR code (MDR1).
    reference = models.CharField(
        _("booking number"), max_length=8, unique=True, default=references.new, editable=False
    )
    preregistration = models.ForeignKey(
        Preregistration, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(max_length=8, default="ja")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return f"{self.counter} {self.start:%Y-%m-%d %H:%M}"


class BookingProcedure(models.Model):
    """One procedure (a form) a visit is booked for, in the order the resident chose them."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="procedures")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["booking", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "form"], name="reservation_procedure_once_per_booking"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}:{self.position} form {self.form_id}"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVED = "served", _("Served")
    ABSENT = "absent", _("Absent")


class WaitingTicket(models.Model):
    """A waiting number (呼出番号) handed out at a counter on one day, 1, 2, 3 … per day.

    A walk-in has no booking; a booked visitor gets one ticket when marked arrived.
    ``called_at`` is the first call (the waiting time is ``called_at - issued_at``);
    ``announced_at`` moves on every recall so the wall display shows the number again.
    No personal data: the number, the times and the desk only.
    """

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="tickets")
    day = models.DateField()
    number = models.PositiveIntegerField()
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    desk = models.CharField(_("desk"), max_length=30, blank=True)

    class Meta:
        ordering = ["counter", "day", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter", "day", "number"], name="reservation_ticket_number_unique"
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=models.Q(booking__isnull=False),
                name="reservation_ticket_one_per_booking",
            ),
        ]
        indexes = [models.Index(fields=["counter", "day", "status"])]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.day} #{self.number}"
