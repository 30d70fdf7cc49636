"""Waiting-number pages: the clerk's queue per counter (department-scoped, POST forms, no
JavaScript needed), the printable ticket, and the public wall display with its JSON state.

The wall display (``/reservations/<counter>/display/``) needs no login and shows numbers,
desks and the count waiting only. It never refreshes itself on a timer without JavaScript
(no meta refresh: WCAG 2.2.1); waiting-display.js polls the state and announces new calls.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.csp import allow_webassembly
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required

from . import checkin, selectors, waiting
from .models import Counter, TicketStatus, WaitingTicket
from .staff_forms import CheckInForm

# The desk last called to is remembered per counter in the clerk's session.
DESK_SESSION_KEY = "reservations_waiting_desk"
# The longest range of days the statistics table covers at once.
STATISTICS_DAYS = 92


class CallForm(forms.Form):
    desk = forms.CharField(
        label=_("Desk (optional, e.g. 3番窓口)"), max_length=30, required=False, strip=True
    )


class StatisticsForm(forms.Form):
    first = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first"), cleaned.get("last")
        if isinstance(first, date) and isinstance(last, date):
            if first > last:
                self.add_error("last", _("The last day must not be before the first day."))
            elif (last - first).days >= STATISTICS_DAYS:
                self.add_error(
                    "last", _("Choose at most %(days)d days at once.") % {"days": STATISTICS_DAYS}
                )
        return cleaned


def _counter(request: HttpRequest, counter_id: int) -> Counter:
    return get_object_or_404(selectors.counters_for(staff_of(request)), pk=counter_id)


def _ticket(request: HttpRequest, ticket_id: int) -> WaitingTicket:
    return get_object_or_404(waiting.tickets_for(staff_of(request)), pk=ticket_id)


def _desks(request: HttpRequest) -> dict[str, str]:
    desks = request.session.get(DESK_SESSION_KEY, {})
    return desks if isinstance(desks, dict) else {}


@staff_required
@require_http_methods(["GET"])
def queue(request: HttpRequest, counter_id: int) -> HttpResponse:
    """Today's numbers at a counter, the forms to check in, issue and call, and the
    waiting times."""
    return queue_page(request, _counter(request, counter_id))


def queue_page(
    request: HttpRequest,
    counter: Counter,
    *,
    checkin_form: CheckInForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The clerk's waiting page; ``checkin_form`` is a refused reception scan to show again
    (checkin_views), ``?checked_in=<booking>`` the booking just checked in."""
    today = timezone.localdate()
    statistics_form = StatisticsForm(request.GET if "first" in request.GET else None)
    first = last = today
    if statistics_form.is_bound and statistics_form.is_valid():
        first, last = statistics_form.cleaned_data["first"], statistics_form.cleaned_data["last"]
    elif not statistics_form.is_bound:
        statistics_form = StatisticsForm(
            initial={"first": today - timedelta(days=6), "last": today}
        )
        first = today - timedelta(days=6)
    tickets = list(waiting.queue(counter, today))
    now = timezone.now()
    response = render(
        request,
        "reservations/waiting_staff.html",
        {
            "counter": counter,
            "today": today,
            "called": [
                (
                    ticket,
                    _minutes(ticket.called_at - ticket.issued_at if ticket.called_at else None),
                )
                for ticket in tickets
                if ticket.status == TicketStatus.CALLED
            ],
            "waiting": [
                (ticket, _minutes(now - ticket.issued_at))
                for ticket in tickets
                if ticket.status == TicketStatus.WAITING
            ],
            "call_form": CallForm(initial={"desk": _desks(request).get(str(counter.pk), "")}),
            "statistics_form": statistics_form,
            "statistics": waiting.waiting_statistics(counter, first, last),
            "first": first,
            "last": last,
            "errors": bool(statistics_form.errors or (checkin_form and checkin_form.errors)),
            **_reception(request, counter, checkin_form),
        },
        status=422 if statistics_form.errors else status,
    )
    # The reception input's camera reader (core/templatetags/qr_scanner.py) is WebAssembly.
    return allow_webassembly(response)


def _reception(
    request: HttpRequest, counter: Counter, checkin_form: CheckInForm | None
) -> dict[str, object]:
    checked_in = None
    booking_id = request.GET.get("checked_in", "")
    if checkin_form is None and booking_id.isdigit():
        checked_in = checkin.checked_in(counter=counter, booking_id=int(booking_id))
    return {
        "checkin_form": checkin_form or CheckInForm(),
        "checked_in": checked_in,
        "prepared": checkin.prepared_applications(
            checked_in.booking, language=get_language() or "ja"
        )
        if checked_in
        else [],
    }


def _minutes(span: timedelta | None) -> int | None:
    return None if span is None else max(0, int(span.total_seconds() // 60))


@staff_required
@require_POST
def issue(request: HttpRequest, counter_id: int) -> HttpResponseBase:
    """A walk-in's number; the clerk lands on its printable ticket."""
    counter = _counter(request, counter_id)
    ticket = waiting.issue(counter=counter, by=staff_of(request))
    return redirect("reservations_staff:ticket", ticket_id=ticket.pk)


@staff_required
@require_POST
def call_next(request: HttpRequest, counter_id: int) -> HttpResponseBase:
    counter = _counter(request, counter_id)
    form = CallForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("reservations_staff:waiting", counter_id=counter.pk)
    desk = form.cleaned_data["desk"]
    request.session[DESK_SESSION_KEY] = _desks(request) | {str(counter.pk): desk}
    ticket = waiting.call_next(counter=counter, by=staff_of(request), desk=desk)
    if ticket is None:
        messages.info(request, gettext("No one is waiting."))
    elif ticket.desk:
        messages.success(
            request,
            gettext("Number %(number)d is called to %(desk)s.")
            % {"number": ticket.number, "desk": ticket.desk},
        )
    else:
        messages.success(
            request, gettext("Number %(number)d is called.") % {"number": ticket.number}
        )
    return redirect("reservations_staff:waiting", counter_id=counter.pk)


@staff_required
@require_POST
def recall(request: HttpRequest, ticket_id: int) -> HttpResponseBase:
    ticket = _ticket(request, ticket_id)
    try:
        waiting.recall(ticket=ticket, by=staff_of(request))
        messages.success(
            request, gettext("Number %(number)d is called again.") % {"number": ticket.number}
        )
    except Refused as refused:
        messages.error(request, str(refused.message))
    return redirect("reservations_staff:waiting", counter_id=ticket.counter_id)


@staff_required
@require_POST
def finish(request: HttpRequest, ticket_id: int) -> HttpResponseBase:
    ticket = _ticket(request, ticket_id)
    status = request.POST.get("status", "")
    if status not in (TicketStatus.SERVED, TicketStatus.ABSENT):
        raise Http404
    try:
        waiting.finish(ticket=ticket, status=TicketStatus(status), by=staff_of(request))
    except Refused as refused:
        messages.error(request, str(refused.message))
    return redirect("reservations_staff:waiting", counter_id=ticket.counter_id)


@staff_required
@require_GET
def ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The printable ticket: the number in huge type, the day and the counter; no name."""
    return render(
        request, "reservations/waiting_ticket.html", {"ticket": _ticket(request, ticket_id)}
    )


@require_GET
@never_cache
def display(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = get_object_or_404(Counter.objects.select_related("department"), pk=counter_id)
    return render(
        request,
        "reservations/waiting_display.html",
        {
            "counter": counter,
            "board": waiting.board(counter, timezone.localdate()),
            "now": timezone.localtime(),
        },
    )


@require_GET
@never_cache
def display_state(request: HttpRequest, counter_id: int) -> JsonResponse:
    counter = get_object_or_404(Counter, pk=counter_id)
    state = waiting.board(counter, timezone.localdate()).as_json()
    state["updated_at"] = timezone.localtime().strftime("%H:%M")
    return JsonResponse(state)
