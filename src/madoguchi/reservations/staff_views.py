"""Staff pages for visit reservations (``/staff/reservations/``), department-scoped.

The counters a staff member serves, and per counter a day's visitors: name, procedure,
linked pre-registration number, arrived / no-show, and for an arrived visitor with a
pre-registration a button that checks it in on the counter screen. Slots can be blocked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required

from . import selectors, services, slots
from .models import Booking, BookingStatus, Counter
from .staff_forms import ClosureForm, CounterForm


def _counter(request: HttpRequest, counter_id: int) -> Counter:
    return get_object_or_404(selectors.counters_for(staff_of(request)), pk=counter_id)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Http404 from error


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reservations/staff_index.html",
        {"counters": selectors.counters_for(staff_of(request)), "today": timezone.localdate()},
    )


@staff_required
@require_GET
def day(request: HttpRequest, counter_id: int, day: str) -> HttpResponse:
    counter = _counter(request, counter_id)
    chosen = _day(day)
    rules = selectors.rules_for(counter, first=chosen, last=chosen)
    return render(
        request,
        "reservations/staff_day.html",
        {
            "counter": counter,
            "day": chosen,
            "day_before": chosen - timedelta(days=1),
            "day_after": chosen + timedelta(days=1),
            "bookings": selectors.day_bookings(counter, chosen),
            "starts": [s for s in slots.day_starts(rules, chosen) if s not in rules.blocked],
            "blocked": sorted(s for s in rules.blocked if timezone.localtime(s).date() == chosen),
            "Status": BookingStatus,
        },
    )


@staff_required
@require_POST
def mark(request: HttpRequest, booking_id: int) -> HttpResponseBase:
    staff = staff_of(request)
    booking = get_object_or_404(
        Booking.objects.filter(counter__in=selectors.counters_for(staff)), pk=booking_id
    )
    status = request.POST.get("status", "")
    if status not in (BookingStatus.ARRIVED, BookingStatus.NO_SHOW):
        raise Http404
    try:
        services.mark(booking=booking, status=BookingStatus(status), by=staff)
        ticket = booking.tickets.first() if status == BookingStatus.ARRIVED else None
        if ticket is not None:
            messages.success(
                request,
                gettext("Waiting number %(number)d is the visitor's.") % {"number": ticket.number},
            )
    except Refused as refused:
        messages.error(request, str(refused.message))
    local = timezone.localtime(booking.start).date()
    return redirect("reservations_staff:day", counter_id=booking.counter_id, day=local.isoformat())


@staff_required
@require_POST
def block(request: HttpRequest, counter_id: int) -> HttpResponseBase:
    counter = _counter(request, counter_id)
    try:
        start = datetime.fromisoformat(request.POST.get("start", ""))
    except ValueError as error:
        raise Http404 from error
    services.block_slot(counter=counter, start=start, by=staff_of(request))
    local = timezone.localtime(start).date()
    return redirect("reservations_staff:day", counter_id=counter.pk, day=local.isoformat())


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, counter_id: int | None = None) -> HttpResponseBase:
    """Define a counter (new) or change one: settings and opening hours per weekday."""
    staff = staff_of(request)
    counter = _counter(request, counter_id) if counter_id is not None else Counter()
    form = CounterForm(
        request.POST or None,
        instance=counter,
        departments=selectors.visible_departments_of(staff),
    )
    if request.method == "POST" and form.is_valid():
        saved = services.save_counter(counter=form.save(commit=False), hours=form.hours(), by=staff)
        messages.success(request, gettext("The counter is saved."))
        return redirect("reservations_staff:edit", counter_id=saved.pk)
    return render(
        request,
        "reservations/staff_edit.html",
        {
            "form": form,
            "counter": counter if counter.pk else None,
            "closure_form": ClosureForm(),
            "closures": counter.closures.all() if counter.pk else [],
            "errors": bool(form.errors),
        },
        status=422 if form.errors else 200,
    )


@staff_required
@require_POST
def add_closure(request: HttpRequest, counter_id: int) -> HttpResponseBase:
    counter = _counter(request, counter_id)
    form = ClosureForm(request.POST)
    if form.is_valid():
        services.add_closure(counter=counter, by=staff_of(request), **form.cleaned_data)
        messages.success(request, gettext("The closure is saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("reservations_staff:edit", counter_id=counter.pk)
