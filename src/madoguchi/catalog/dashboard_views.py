"""The coverage dashboard (カバー率) and the monthly volumes pages, for staff.

``/staff/catalog/dashboard/``: the city's rate in a fiscal year (年度) against the DX
office's target, its monthly trend (SVG and a table), the departments (drill down to a
department, then a procedure) and the procedures that would move the rate most.
``/staff/catalog/volumes/``: a month's counts per procedure and channel, and the CSV import.

Who sees what: every staff member sees the city's headline rate (it is published anyway);
department staff see their own departments and procedures, the DX office (city
administrators) all, and only the DX office sets the target. Another city's department or
procedure is not found. All pages work without JavaScript.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.forms import SummaryItem, summary
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import Department, StaffMember

from . import coverage, opendata, publication, volumes
from .channels import SMART, VolumeChannel
from .dashboard_chart import line_chart
from .dashboard_forms import FiscalYearForm, TargetForm, VolumeEntryForm, VolumeImportForm
from .models import CoverageTarget, Procedure

# Fiscal years offered in the dashboard's selector: this one and the four before.
YEARS_SHOWN = 5


def _period(request: HttpRequest) -> tuple[FiscalYearForm, int, date, date]:
    """The fiscal year asked for (``?fy=``, default this one), its first month and its last
    month so far."""
    today = timezone.localdate()
    this_year = coverage.fiscal_year_of(today)
    years = list(range(this_year, this_year - YEARS_SHOWN, -1))
    form = FiscalYearForm(request.GET or None, years=years)
    year = this_year
    if form.is_bound and form.is_valid() and form.cleaned_data["fy"]:
        year = form.cleaned_data["fy"]
    elif not form.is_bound:
        form = FiscalYearForm(initial={"fy": this_year}, years=years)
    first, last = coverage.fiscal_year_months(year)
    return form, year, first, min(last, coverage.month_of(today))


def _target_context(target: CoverageTarget | None, rate: coverage.Rate) -> dict[str, object]:
    if target is None:
        return {"target": None}
    gap = None
    if rate.percent is not None:
        gap = target.target_percent - rate.percent
    reached = gap is not None and gap <= 0
    # A deadline gone by without the rate reached says so, rather than "N points to go".
    overdue = not reached and target.deadline < timezone.localdate()
    return {"target": target, "gap": gap, "reached": reached, "target_overdue": overdue}


def _department_of(staff: StaffMember, pk: int) -> Department:
    for department in coverage.departments_for(staff):
        if department.pk == pk:
            return department
    raise Http404


def _procedure_of(staff: StaffMember, pk: int) -> Procedure:
    for procedure in coverage.procedures_for(staff):
        if procedure.pk == pk:
            return procedure
    raise Http404


def _chart(series: list[coverage.MonthRate], target: CoverageTarget | None) -> object:
    if target is None:
        return line_chart(series)
    return line_chart(
        series,
        target=target.target_percent,
        target_label=gettext("Target %(percent)s%%")
        % {"percent": target.target_percent.quantize(coverage.PERCENT_STEP)},
    )


@staff_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    municipality = staff.municipality
    form, year, first, last = _period(request)
    rows = coverage.volume_rows(municipality, first, last)
    city = coverage.rate(rows)
    series = coverage.series(rows, first, last)
    target = coverage.target_of(municipality)
    departments = coverage.departments_for(staff)
    dx_office = coverage.is_dx_office(staff)
    movers = coverage.movers(
        municipality,
        first,
        last,
        procedures=None if dx_office else coverage.procedures_for(staff),
        rows=rows,
    )
    # The figure the public page and the open data show: the last 12 complete months.
    published_last = coverage.add_months(coverage.month_of(timezone.localdate()), -1)
    published_first = coverage.add_months(published_last, -(opendata.WINDOW_MONTHS - 1))
    published = coverage.rate(coverage.volume_rows(municipality, published_first, published_last))
    return render(
        request,
        "catalog/dashboard.html",
        {
            "year_form": form,
            "year": year,
            "this_month": coverage.month_of(timezone.localdate()),
            "first": first,
            "last": last,
            "city": city,
            "series": series,
            "chart": _chart(series, target),
            "departments": coverage.by_department(
                municipality, first, last, departments=departments, rows=rows
            ),
            "movers": movers,
            "dx_office": dx_office,
            "published": published,
            "is_published": publication.is_published(municipality),
            "published_first": published_first,
            "published_last": published_last,
            "target_form": TargetForm(
                initial={"target_percent": target.target_percent, "deadline": target.deadline}
                if target
                else {}
            ),
            **_target_context(target, city),
        },
    )


@staff_required
@require_POST
def set_target(request: HttpRequest) -> HttpResponseBase:
    staff = staff_of(request)
    if not coverage.is_dx_office(staff):
        raise Http404
    form = TargetForm(request.POST)
    if form.is_valid():
        coverage.set_target(
            by=staff,
            percent=form.cleaned_data["target_percent"],
            deadline=form.cleaned_data["deadline"],
        )
        messages.success(request, gettext("The target was saved."))
        return redirect("catalog:dashboard")
    return render(
        request,
        "catalog/dashboard_target.html",
        {"target_form": form, "errors": summary(form)},
        status=422,
    )


@staff_required
@require_GET
def department(request: HttpRequest, pk: int) -> HttpResponse:
    staff = staff_of(request)
    chosen = _department_of(staff, pk)
    form, year, first, last = _period(request)
    procedures = list(Procedure.objects.filter(department=chosen))
    rows = coverage.volume_rows(staff.municipality, first, last, procedures=procedures)
    series = coverage.series(rows, first, last)
    target = coverage.target_of(staff.municipality)
    return render(
        request,
        "catalog/dashboard_department.html",
        {
            "department": chosen,
            "year_form": form,
            "year": year,
            "this_month": coverage.month_of(timezone.localdate()),
            "first": first,
            "last": last,
            "rate": coverage.rate(rows),
            "series": series,
            "chart": _chart(series, target),
            "procedures": coverage.by_procedure(staff.municipality, first, last, department=chosen),
            "movers": coverage.movers(staff.municipality, first, last, procedures=procedures),
            "target": target,
        },
    )


@staff_required
@require_GET
def procedure(request: HttpRequest, pk: int) -> HttpResponse:
    staff = staff_of(request)
    chosen = _procedure_of(staff, pk)
    form, year, first, last = _period(request)
    rows = coverage.volume_rows(staff.municipality, first, last, procedures=[chosen])
    # An excluded procedure's own rate is shown too (it is not in the city's).
    series = coverage.series(rows, first, last, targets_only=False)
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row.month][row.channel] = counts[row.month].get(row.channel, 0) + row.count
    channels = VolumeChannel.choices
    table = [
        {
            "month": month_rate.month,
            "counts": [counts[month_rate.month].get(value) for value, _label in channels],
            "rate": month_rate.rate,
        }
        for month_rate in series
    ]
    target = coverage.target_of(staff.municipality)
    editable = chosen.pk in {p.pk for p in volumes.editable_procedures(staff)}
    return render(
        request,
        "catalog/dashboard_procedure.html",
        {
            "procedure": chosen,
            "year_form": form,
            "year": year,
            "this_month": coverage.month_of(timezone.localdate()),
            "first": first,
            "last": last,
            "rate": coverage.rate(rows, targets_only=False),
            "chart": _chart(series, target),
            "channels": [(value, label, value in SMART) for value, label in channels],
            "table": table,
            "editable": editable,
        },
    )


@staff_required
@require_GET
def volume_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    return render(
        request,
        "catalog/dashboard_volumes.html",
        {"procedures": volumes.editable_procedures(staff)},
    )


def _editable_procedure(staff: StaffMember, pk: int) -> Procedure:
    for candidate in volumes.editable_procedures(staff):
        if candidate.pk == pk:
            return candidate
    raise Http404


@staff_required
@require_http_methods(["GET", "POST"])
def volume_entry(request: HttpRequest, pk: int) -> HttpResponse | HttpResponseBase:
    staff = staff_of(request)
    chosen = _editable_procedure(staff, pk)
    channels = volumes.enterable_channels(chosen)
    errors: list[SummaryItem] = []
    if request.method == "POST":
        form = VolumeEntryForm(request.POST, channels=channels)
        if form.is_valid():
            try:
                volumes.enter_month(
                    by=staff,
                    procedure=chosen,
                    month=form.cleaned_data["month"],
                    counts=form.counts(),
                )
            except volumes.InvalidVolumes as refused:
                for problem in refused.field_errors:
                    form.add_error(
                        problem.field if problem.field in form.fields else None,
                        str(problem.message),
                    )
            else:
                messages.success(
                    request,
                    gettext("The counts of %(month)s were saved.")
                    % {"month": f"{form.cleaned_data['month']:%Y-%m}"},
                )
                return redirect("catalog:volume_entry", pk=chosen.pk)
        errors = summary(form)
    else:
        month = request.GET.get("month", "")
        initial: dict[str, object] = {"month": month or f"{timezone.localdate():%Y-%m}"}
        form = VolumeEntryForm(initial=initial, channels=channels)
    return render(
        request,
        "catalog/dashboard_volume_entry.html",
        {
            "procedure": chosen,
            "form": form,
            "errors": errors,
            "recorded": volumes.recorded_months(chosen),
            "live": chosen.form_id is not None,
        },
        status=422 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def volume_import(request: HttpRequest) -> HttpResponse | HttpResponseBase:
    staff = staff_of(request)
    if not staff.can_act:
        raise Http404
    errors: list[SummaryItem] = []
    row_errors: list[tuple[str, str]] = []
    form = VolumeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                result = volumes.import_volumes(by=staff, content=form.cleaned_data["file"].read())
            except volumes.InvalidVolumes as refused:
                row_errors = [(e.field, str(e.message)) for e in refused.field_errors]
                errors = [SummaryItem("#import-errors", "", str(refused.message))]
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(rows)d row was imported.", "%(rows)d rows were imported.", result.rows
                    )
                    % {"rows": result.rows},
                )
                return redirect(reverse("catalog:volumes"))
        else:
            errors = summary(form)
    return render(
        request,
        "catalog/dashboard_volume_import.html",
        {
            "form": form,
            "errors": errors,
            "row_errors": row_errors,
            "columns": volumes.COLUMNS,
            "channels": [(value, label, value in SMART) for value, label in VolumeChannel.choices],
        },
        status=422 if errors else 200,
    )
