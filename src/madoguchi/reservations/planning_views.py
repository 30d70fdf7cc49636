"""Staff planning pages of a counter, department-scoped like staff_views: the week view,
moving a booking for the resident, the procedure lengths and the statistics.

All work without JavaScript: GET forms choose what is shown, POST forms change it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from madoguchi.backoffice.aggregation import Bar
from madoguchi.backoffice.charts import bar_chart
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required

from . import notify, selectors, staff_selectors, staff_services, statistics, waiting
from .models import Booking, BookingStatus, Counter
from .planning_forms import LengthsForm, MoveDayForm, MoveForm, StatisticsRangeForm

# The statistics page's default range: the last four weeks, today included.
DEFAULT_STATISTICS_DAYS = 28


def _counter(request: HttpRequest, counter_id: int) -> Counter:
    return get_object_or_404(selectors.counters_for(staff_of(request)), pk=counter_id)


@staff_required
@require_GET
def week(request: HttpRequest, counter_id: int) -> HttpResponse:
    """Seven days from the Monday of ``?start=`` (default this week): seats taken per slot."""
    counter = _counter(request, counter_id)
    try:
        start = date.fromisoformat(request.GET.get("start", "")) if "start" in request.GET else None
    except ValueError as error:
        raise Http404 from error
    first = staff_selectors.monday_of(start or timezone.localdate())
    return render(
        request,
        "reservations/staff_week.html",
        {
            "counter": counter,
            "week": staff_selectors.week_of(counter, first),
            "today": timezone.localdate(),
            "Closed": staff_selectors.ClosedBecause,
        },
    )


def _staff_booking(request: HttpRequest, booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.filter(
            counter__in=selectors.counters_for(staff_of(request))
        ).select_related("counter__department", "preregistration"),
        pk=booking_id,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, booking_id: int) -> HttpResponseBase:
    """Move a booking to another free time of its counter (``?day=`` picks the day)."""
    booking = _staff_booking(request, booking_id)
    local_start = timezone.localtime(booking.start)
    day_form = MoveDayForm(request.GET if "day" in request.GET else None)
    chosen = day_form.cleaned_data["day"] if day_form.is_valid() else local_start.date()
    if not day_form.is_bound:
        day_form = MoveDayForm(initial={"day": chosen})
    targets = (
        staff_selectors.move_targets(booking, chosen)
        if booking.status == BookingStatus.BOOKED
        else []
    )
    times = [
        (slot.start.isoformat(), f"{slot.start:%H:%M}–{slot.end:%H:%M}")
        for slot in targets
        if slot.start != local_start
    ]
    form = MoveForm(request.POST or None, times=times)
    refusal: Refused | None = None
    if request.method == "POST" and form.is_valid():
        start = next(s.start for s in targets if s.start.isoformat() == form.cleaned_data["start"])
        try:
            moved = staff_services.move_booking(
                booking=booking,
                start=start,
                by=staff_of(request),
                reason=staff_services.MoveReason(form.cleaned_data["reason"]),
            )
        except Refused as refused:
            refusal = refused
        else:
            notify.send_moved(booking=moved)
            new_day = timezone.localtime(moved.start).date()
            messages.success(
                request,
                gettext("The booking is moved to %(when)s.")
                % {"when": f"{timezone.localtime(moved.start):%Y/%m/%d %H:%M}"},
            )
            return redirect(
                "reservations_staff:day", counter_id=moved.counter_id, day=new_day.isoformat()
            )
    return render(
        request,
        "reservations/staff_move.html",
        {
            "booking": booking,
            "counter": booking.counter,
            "active": booking.status == BookingStatus.BOOKED,
            "day": chosen,
            "back_day": local_start.date(),
            "day_form": day_form,
            "form": form,
            "refusal": refusal,
            "errors": bool(refusal or form.errors or day_form.errors),
        },
        status=refusal.status if refusal else (422 if form.errors or day_form.errors else 200),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def lengths(request: HttpRequest, counter_id: int) -> HttpResponseBase:
    """How long each procedure takes at the counter (empty: one slot)."""
    counter = _counter(request, counter_id)
    rows = staff_selectors.procedure_lengths(counter)
    form = LengthsForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        staff_services.save_lengths(counter=counter, minutes=form.minutes(), by=staff_of(request))
        messages.success(request, gettext("The procedure lengths are saved."))
        return redirect("reservations_staff:lengths", counter_id=counter.pk)
    return render(
        request,
        "reservations/staff_lengths.html",
        {"counter": counter, "form": form, "errors": bool(form.errors)},
        status=422 if form.errors else 200,
    )


@staff_required
@require_GET
def statistics_page(request: HttpRequest, counter_id: int) -> HttpResponse:
    """Seats offered and booked, utilisation, arrivals, no-shows and cancellations of a
    counter from ``?first=`` to ``?last=`` (default the last four weeks), per day or week."""
    counter = _counter(request, counter_id)
    today = timezone.localdate()
    form = StatisticsRangeForm(request.GET if "first" in request.GET else None)
    first, last = today - timedelta(days=DEFAULT_STATISTICS_DAYS - 1), today
    grouping = statistics.Grouping.WEEK
    if form.is_bound and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        grouping = statistics.Grouping(form.cleaned_data["by"] or statistics.Grouping.WEEK)
    elif not form.is_bound:
        form = StatisticsRangeForm(initial={"first": first, "last": last, "by": grouping})
    figures = statistics.counter_statistics(counter, first, last, grouping=grouping)
    chart = bar_chart(
        [
            Bar(
                label=_period_label(row.first, row.last),
                count=round(row.utilisation) if row.utilisation is not None else 0,
            )
            for row in figures.rows
        ]
    )
    return render(
        request,
        "reservations/staff_statistics.html",
        {
            "counter": counter,
            "form": form,
            "figures": figures,
            "chart": chart,
            "first": first,
            "last": last,
            "errors": bool(form.errors),
            # Average and median waiting times, from the waiting numbers (waiting.py).
            "waiting": waiting.waiting_statistics(counter, first, last),
        },
        status=422 if form.errors else 200,
    )


def _period_label(first: date, last: date) -> str:
    if first == last:
        return f"{first:%m/%d}"
    return f"{first:%m/%d}–{last:%m/%d}"
