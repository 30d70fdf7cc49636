"""Reads for the treasury's reconciliation export (会計課への消込データ).

Every money movement of a period, read from the stored payments (never from the provider):
a payment's charge on the day it was paid and, separately, its refund on the day it was
refunded, as a negative movement. Days are calendar days in Asia/Tokyo (``TIME_ZONE``).

The totals follow the provider's settlement report (Stripe's "Balance change from
activity", itemized, run with the timezone Asia/Tokyo): per ``reporting_category``
(``charge``, ``refund``) the count, gross, fee and net. A charge is gross ``amount``, fee
``provider_fee`` and net ``net``; a refund is gross ``-amount``, fee 0 and net ``-amount``
(the provider keeps its fee when a payment is refunded).

Who may export: the treasury (会計課) sees the money of every department of its city.
Madoguchi has no treasury role (``tenants.StaffRole``: administrator, department staff,
read-only), so the export is open to staff who may act (not read-only) and see every
department of their municipality: the city's administrators, and department staff who
are members of all its departments (how a city sets up its 会計課 clerks). Anyone else
would see partial totals that never match the provider's report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language

from madoguchi.forms.models import Form, FormVersion
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.tenants.models import Department, Municipality, StaffMember, StaffRole
from madoguchi.tenants.selectors import visible_departments

from .selectors import may_export

Category = Literal["charge", "refund"]
CATEGORIES: tuple[Category, ...] = ("charge", "refund")
# The longest period one export covers (a fiscal year, leap day included).
MAX_DAYS = 366


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def may_export_payments(staff: StaffMember) -> bool:
    """Staff who act and see every department of their city (see the module's docstring)."""
    if not may_export(staff):
        return False
    if staff.role == StaffRole.MUNICIPALITY_ADMIN:
        return True
    city = Department.objects.filter(municipality_id=staff.municipality_id)
    return city.exists() and not city.exclude(pk__in=visible_departments(staff)).exists()


def payments_in_scope(staff: StaffMember) -> QuerySet[Payment]:
    """Payments of the staff member's city and visible departments (the export's only source)."""
    return Payment.objects.filter(
        municipality_id=staff.municipality_id, department__in=visible_departments(staff)
    )


def procedures_with_payments(staff: StaffMember) -> list[tuple[int, str]]:
    """(form id, title) of the procedures with at least one payment in scope, by title."""
    form_ids = payments_in_scope(staff).values("submission__form_version__form_id")
    forms = Form.objects.filter(pk__in=form_ids).select_related("current_version")
    return sorted(((f.pk, _form_title(f)) for f in forms), key=lambda item: (item[1], item[0]))


def _form_title(form: Form) -> str:
    if form.current_version is None:
        return form.slug
    return form.current_version.schema.title.get(get_language() or "ja")


@dataclass(frozen=True)
class Period:
    """Calendar days ``first`` to ``last`` (both included) in Asia/Tokyo."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=zone())

    @property
    def end(self) -> datetime:
        """The first instant after the period (midnight after ``last``)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone())

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Movement:
    """One money movement: a payment's charge, or its refund (negative amounts)."""

    category: Category
    at: datetime  # when it happened, in Asia/Tokyo
    receipt_serial: str  # 領収書番号
    receipt_number: str  # 受付番号
    form_id: int
    procedure: str  # the form's title
    department: str
    gross: int
    fee: int | None  # None: the provider has not reported the charge's fee yet
    net: int
    method: str
    provider_reference: str
    paid_at: datetime | None
    refunded_at: datetime | None
    currency: str

    @property
    def day(self) -> date:
        return self.at.date()


def movements(staff: StaffMember, *, period: Period, form_id: int | None = None) -> list[Movement]:
    """Every charge paid and refund made in ``period``, oldest first, in the staff's scope."""
    return movements_of(payments_in_scope(staff), period=period, form_id=form_id)


def city_movements(
    municipality: Municipality, *, period: Period, form_id: int | None = None
) -> list[Movement]:
    """The same for a whole city, for the operator's command (``reconcile_report``)."""
    scoped = Payment.objects.filter(municipality=municipality)
    return movements_of(scoped, period=period, form_id=form_id)


def movements_of(
    scoped: QuerySet[Payment], *, period: Period, form_id: int | None = None
) -> list[Movement]:
    """The movements of ``scoped`` payments (already limited to what the reader may see)."""
    if form_id is not None:
        scoped = scoped.filter(submission__form_version__form_id=form_id)
    charges = scoped.filter(paid_at__gte=period.start, paid_at__lt=period.end)
    refunds = scoped.filter(
        status=PaymentStatus.REFUNDED, refunded_at__gte=period.start, refunded_at__lt=period.end
    )
    titles = _Titles()
    found = [
        *(_movement(p, "charge", titles) for p in _read(charges)),
        *(_movement(p, "refund", titles) for p in _read(refunds)),
    ]
    return sorted(found, key=lambda m: (m.at, m.receipt_serial, m.category))


def _read(payments: QuerySet[Payment]) -> Iterator[Payment]:
    return payments.select_related("submission__form_version", "department").iterator(
        chunk_size=2000
    )


class _Titles:
    """Form titles by form id, each parsed once (the current version's, as the page shows)."""

    def __init__(self) -> None:
        self.known: dict[int, str] = {}

    def __call__(self, form_id: int) -> str:
        if form_id not in self.known:
            form = Form.objects.select_related("current_version").get(pk=form_id)
            self.known[form_id] = _form_title(form)
        return self.known[form_id]


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(zone()) if moment is not None else None


def _movement(payment: Payment, category: Category, titles: _Titles) -> Movement:
    """The charge (at ``paid_at``) or the refund (at ``refunded_at``) of ``payment``."""
    paid_at, refunded_at = _local(payment.paid_at), _local(payment.refunded_at)
    if category == "charge":
        at, gross, fee = paid_at, payment.amount, payment.provider_fee
        net = payment.net if payment.net is not None else payment.amount - (fee or 0)
        reference = payment.provider_reference
    else:
        at, gross, fee, net = refunded_at, -payment.amount, 0, -payment.amount
        reference = payment.refund_reference or payment.provider_reference
    assert at is not None  # the queries ask for the moment within the period
    version: FormVersion = payment.submission.form_version
    return Movement(
        category=category,
        at=at,
        receipt_serial=payment.receipt_serial or "",
        receipt_number=payment.submission.receipt_number or "",
        form_id=version.form_id,
        procedure=titles(version.form_id),
        department=payment.department.localized_name(get_language() or "ja"),
        gross=gross,
        fee=fee,
        net=net,
        method=payment.method,
        provider_reference=reference,
        paid_at=paid_at,
        refunded_at=refunded_at,
        currency=payment.currency,
    )


# --- totals ------------------------------------------------------------------------------


@dataclass
class Totals:
    """Counts and sums of some movements (gross, fee, net as the provider reports them)."""

    charges: int = 0
    refunds: int = 0
    gross: int = 0
    fee: int = 0
    net: int = 0
    fee_unknown: int = 0

    @property
    def count(self) -> int:
        return self.charges + self.refunds

    def add(self, movement: Movement) -> None:
        if movement.category == "charge":
            self.charges += 1
        else:
            self.refunds += 1
        self.gross += movement.gross
        self.fee += movement.fee or 0
        self.net += movement.net
        if movement.fee is None:
            self.fee_unknown += 1


@dataclass
class Summary:
    """The totals of a period: in all, per reporting category, per day, per procedure."""

    total: Totals = field(default_factory=Totals)
    by_category: dict[Category, Totals] = field(
        default_factory=lambda: {c: Totals() for c in CATEGORIES}
    )
    by_day: dict[date, Totals] = field(default_factory=dict)
    # (procedure title, department, form id) → totals
    by_procedure: dict[tuple[str, str, int], Totals] = field(default_factory=dict)


def summarize(found: Iterable[Movement]) -> Summary:
    summary = Summary()
    by_day: dict[date, Totals] = defaultdict(Totals)
    by_procedure: dict[tuple[str, str, int], Totals] = defaultdict(Totals)
    for movement in found:
        summary.total.add(movement)
        summary.by_category[movement.category].add(movement)
        by_day[movement.day].add(movement)
        by_procedure[(movement.procedure, movement.department, movement.form_id)].add(movement)
    summary.by_day = dict(sorted(by_day.items()))
    summary.by_procedure = dict(sorted(by_procedure.items()))
    return summary
