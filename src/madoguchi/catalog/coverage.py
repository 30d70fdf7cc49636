"""The coverage rate (カバー率), Kobe's definition exactly.

    coverage rate = receipts through smart channels ÷ receipts of all target procedures

Smart channels are ``channels.SMART`` (online, a national online service, mail-in made with
the web form, a counter visit pre-registered online). Procedures marked excluded
(``Procedure.target`` false) are left out of both numerator and denominator. A period or
group without receipts has no rate (``None``), never 0%.

Receipts come from two places, added up per (procedure, month, channel):

- Madoguchi's own, counted live from submissions of the procedure's form
  (:func:`madoguchi_volumes`), never stored;
- the volumes entered or imported monthly (``MonthlyVolume``: the back-office systems' paper
  and counter counts, the national service's counts).

Reads only, except :func:`set_target` (the DX office's goal, one row per city).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, DateField, Exists, OuterRef, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from madoguchi.core import events
from madoguchi.counter.models import VisitApplication
from madoguchi.submissions.models import Channel, Status, Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember, StaffRole

from .channels import SMART, VolumeChannel
from .models import CoverageTarget, MonthlyVolume, Procedure

# Percentages are shown with one decimal (Kobe publishes 「カバー率 52.3%」).
PERCENT_STEP = Decimal("0.1")

VolumeKey = tuple[int, date, str]


@dataclass(frozen=True)
class VolumeRow:
    procedure_pk: int
    month: date
    channel: str
    count: int
    target: bool


@dataclass(frozen=True)
class Rate:
    smart: int
    total: int
    percent: Decimal | None

    @property
    def non_smart(self) -> int:
        return self.total - self.smart


def percent_of(smart: int, total: int) -> Decimal | None:
    """``smart`` ÷ ``total`` in percent, one decimal, half up; None when ``total`` is 0."""
    if total <= 0:
        return None
    return (Decimal(smart) * 100 / Decimal(total)).quantize(PERCENT_STEP, ROUND_HALF_UP)


def rate(volumes: Iterable[VolumeRow], *, targets_only: bool = True) -> Rate:
    """The coverage rate of these receipts (pure): excluded procedures left out unless
    ``targets_only`` is false."""
    smart = total = 0
    for row in volumes:
        if targets_only and not row.target:
            continue
        total += row.count
        if row.channel in SMART:
            smart += row.count
    return Rate(smart=smart, total=total, percent=percent_of(smart, total))


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(day: date) -> int:
    """年度: April to March, named by the year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_months(year: int) -> tuple[date, date]:
    """The first and last month (1st of each) of 年度 ``year``."""
    return date(year, 4, 1), date(year + 1, 3, 1)


# --- Receipts -------------------------------------------------------------------------------


# A receipt (受付) of Madoguchi's own is an application sent through a form linked to the
# procedure, in the month it was received, whatever came of it (a rejected application was
# received, and worked on), except one the applicant withdrew (取下げ): it leaves the count of
# the month it was received in, also after that month was published. Madoguchi has no test
# marking of applications: trials belong in a test municipality, which publishes nothing.
# The one definition the dashboard, the public page and the open data count with.
NOT_RECEIPTS = frozenset({Status.WITHDRAWN})


def receipts(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    """Narrow ``submissions`` to those counted as receipts (:data:`NOT_RECEIPTS` left out)."""
    return submissions.exclude(status__in=list(NOT_RECEIPTS))


def madoguchi_volumes(municipality: Municipality, start: date, end: date) -> dict[VolumeKey, int]:
    """Madoguchi's own receipts of the city's procedures that have a form, from the month of
    ``start`` to the month of ``end`` (both whole), by (procedure pk, month, channel).

    Channel online → online; mail → mail_web (the paper was made with the web form); counter
    with a pre-registration → counter_prereg; counter without (filled in with the clerk) →
    counter_paper. Months are Japan's calendar months (``TIME_ZONE``). Withdrawn applications
    are not receipts (:func:`receipts`).
    """
    procedures_of_form: dict[int, list[int]] = defaultdict(list)
    for pk, form_id in Procedure.objects.filter(
        municipality=municipality, form__isnull=False
    ).values_list("pk", "form_id"):
        procedures_of_form[form_id].append(pk)
    if not procedures_of_form:
        return {}
    first, last = month_of(start), add_months(month_of(end), 1)
    rows = (
        receipts(
            Submission.objects.filter(
                municipality=municipality,
                form_version__form_id__in=list(procedures_of_form),
                submitted_at__date__gte=first,
                submitted_at__date__lt=last,
            )
        )
        .annotate(
            month=TruncMonth(
                "submitted_at", output_field=DateField(), tzinfo=timezone.get_current_timezone()
            ),
            prereg=Exists(
                VisitApplication.objects.filter(
                    submission=OuterRef("pk"), preregistration__isnull=False
                )
            ),
        )
        .values_list("form_version__form_id", "month", "channel", "prereg")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[VolumeKey, int] = defaultdict(int)
    for form_id, month, channel, prereg, n in rows:
        volume_channel = _volume_channel(channel, bool(prereg))
        for procedure_pk in procedures_of_form[form_id]:
            counts[(procedure_pk, month_of(month), volume_channel)] += n
    return dict(counts)


def _volume_channel(channel: str, preregistered: bool) -> str:
    if channel == Channel.MAIL:
        return VolumeChannel.MAIL_WEB
    if channel == Channel.COUNTER:
        return VolumeChannel.COUNTER_PREREG if preregistered else VolumeChannel.COUNTER_PAPER
    return VolumeChannel.ONLINE


def volume_rows(
    municipality: Municipality,
    start: date,
    end: date,
    *,
    procedures: Sequence[Procedure] | None = None,
) -> list[VolumeRow]:
    """Every receipt count of the city (or of ``procedures``) from the month of ``start`` to
    the month of ``end``: Madoguchi's live counts plus the entered ones."""
    if procedures is None:
        procedures = list(Procedure.objects.filter(municipality=municipality))
    target = {p.pk: p.target for p in procedures}
    first, last = month_of(start), month_of(end)
    counts: dict[VolumeKey, int] = defaultdict(int)
    for key, n in madoguchi_volumes(municipality, first, last).items():
        if key[0] in target:
            counts[key] += n
    entered = MonthlyVolume.objects.filter(
        procedure__municipality=municipality,
        procedure__in=list(target),
        month__gte=first,
        month__lte=last,
    ).values_list("procedure_id", "month", "channel", "count")
    for procedure_pk, month, channel, n in entered:
        counts[(procedure_pk, month, channel)] += n
    return [
        VolumeRow(procedure_pk=pk, month=month, channel=channel, count=n, target=target[pk])
        for (pk, month, channel), n in counts.items()
    ]


# --- Who sees what --------------------------------------------------------------------------


def is_dx_office(staff: StaffMember) -> bool:
    """City administrators are the DX office: they see every department and set the target."""
    return staff.role == StaffRole.MUNICIPALITY_ADMIN


def departments_for(staff: StaffMember) -> list[Department]:
    """The departments whose figures ``staff`` may see: all of the city's for the DX office,
    their own for everyone else."""
    departments = Department.objects.filter(municipality=staff.municipality)
    if not is_dx_office(staff):
        departments = departments.filter(staff=staff)
    return list(departments.order_by("code"))


def procedures_for(staff: StaffMember) -> list[Procedure]:
    return list(
        Procedure.objects.filter(
            municipality=staff.municipality,
            department__in=[d.pk for d in departments_for(staff)],
        ).select_related("department", "form")
    )


# --- Breakdowns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRate:
    month: date
    rate: Rate


@dataclass(frozen=True)
class GroupRate:
    """The rate of one department or procedure, with its share of the city's receipts."""

    pk: int
    label: str
    rate: Rate
    target: bool = True


@dataclass(frozen=True)
class Mover:
    """A target procedure whose non-smart receipts, if they all became smart, would lift the
    city's rate to ``rate_if_digitised``."""

    procedure: Procedure
    non_smart: int
    total: int
    rate_if_digitised: Decimal | None


def series(
    rows: Iterable[VolumeRow], first: date, last: date, *, targets_only: bool = True
) -> list[MonthRate]:
    """The rate of every month from ``first`` to ``last`` (months without receipts: None)."""
    by_month: dict[date, list[VolumeRow]] = defaultdict(list)
    for row in rows:
        by_month[row.month].append(row)
    result = []
    month = month_of(first)
    while month <= last:
        result.append(
            MonthRate(month=month, rate=rate(by_month.get(month, []), targets_only=targets_only))
        )
        month = add_months(month, 1)
    return result


def city_series(
    municipality: Municipality, months: int, *, today: date | None = None
) -> list[MonthRate]:
    """The city's rate for each of the last ``months`` months, this month included."""
    last = month_of(today or timezone.localdate())
    first = add_months(last, -(months - 1))
    return series(volume_rows(municipality, first, last), first, last)


def by_department(
    municipality: Municipality,
    start: date,
    end: date,
    *,
    departments: Sequence[Department] | None = None,
    rows: Sequence[VolumeRow] | None = None,
) -> list[GroupRate]:
    """The rate of each department (default: all of the city's), by code. ``rows``: the
    city's receipts of the period, when the caller has them already."""
    if departments is None:
        departments = list(Department.objects.filter(municipality=municipality).order_by("code"))
    procedures = list(Procedure.objects.filter(department__in=[d.pk for d in departments]))
    department_of = {p.pk: p.department_id for p in procedures}
    if rows is None:
        rows = volume_rows(municipality, start, end, procedures=procedures)
    grouped: dict[int, list[VolumeRow]] = defaultdict(list)
    for row in rows:
        if row.procedure_pk in department_of:
            grouped[department_of[row.procedure_pk]].append(row)
    return [GroupRate(pk=d.pk, label=d.name, rate=rate(grouped[d.pk])) for d in departments]


def by_procedure(
    municipality: Municipality, start: date, end: date, *, department: Department | None = None
) -> list[GroupRate]:
    """The rate of each procedure (of ``department`` if given), by procedure ID. An excluded
    procedure's own rate is shown (``targets_only=False``) but marked ``target=False``."""
    procedures = Procedure.objects.filter(municipality=municipality)
    if department is not None:
        procedures = procedures.filter(department=department)
    listed = list(procedures.order_by("procedure_id"))
    grouped: dict[int, list[VolumeRow]] = defaultdict(list)
    for row in volume_rows(municipality, start, end, procedures=listed):
        grouped[row.procedure_pk].append(row)
    return [
        GroupRate(
            pk=p.pk,
            label=f"{p.procedure_id} {p.name}",
            rate=rate(grouped[p.pk], targets_only=False),
            target=p.target,
        )
        for p in listed
    ]


def movers(
    municipality: Municipality,
    start: date,
    end: date,
    *,
    limit: int = 10,
    procedures: Sequence[Procedure] | None = None,
    rows: Sequence[VolumeRow] | None = None,
) -> list[Mover]:
    """The target procedures that would move the city's rate most if digitised: the most
    non-smart receipts first, each with the city's rate if all of them became smart.

    ``procedures`` narrows the list shown (a department's staff see their own), but the
    rate they would give is always the whole city's. ``rows``: the city's receipts of the
    period, when the caller has them already."""
    city = list(Procedure.objects.filter(municipality=municipality).select_related("department"))
    if rows is None:
        rows = volume_rows(municipality, start, end, procedures=city)
    whole = rate(rows)
    shown = {p.pk for p in (procedures if procedures is not None else city)}
    per_procedure: dict[int, list[VolumeRow]] = defaultdict(list)
    for row in rows:
        per_procedure[row.procedure_pk].append(row)
    result = []
    for procedure in city:
        if not procedure.target or procedure.pk not in shown:
            continue
        own = rate(per_procedure[procedure.pk])
        if own.non_smart <= 0:
            continue
        result.append(
            Mover(
                procedure=procedure,
                non_smart=own.non_smart,
                total=own.total,
                rate_if_digitised=percent_of(whole.smart + own.non_smart, whole.total),
            )
        )
    result.sort(key=lambda m: (-m.non_smart, m.procedure.procedure_id))
    return result[:limit]


# --- The target -----------------------------------------------------------------------------


def target_of(municipality: Municipality) -> CoverageTarget | None:
    return CoverageTarget.objects.filter(municipality=municipality).first()


def set_target(*, by: StaffMember, percent: Decimal, deadline: date) -> CoverageTarget:
    """The DX office sets the city's goal (e.g. 70% by 2026-03-31); the caller checks
    :func:`is_dx_office`."""
    if not is_dx_office(by):
        raise PermissionError("only the DX office sets the coverage target")
    with transaction.atomic():
        target, _created = CoverageTarget.objects.update_or_create(
            municipality=by.municipality,
            defaults={
                "target_percent": percent,
                "deadline": deadline,
                "set_by": by,
                "set_at": timezone.now(),
            },
        )
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=events.pseudonym("staff", by.pk),
            subject=f"catalog:{by.municipality.lg_code}:coverage_target",
            detail={"target_percent": str(percent), "deadline": deadline.isoformat()},
        )
    return target
