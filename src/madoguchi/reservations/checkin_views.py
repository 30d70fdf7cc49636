"""Reception (「予約の受付」) on the clerk's waiting page: one POST form, no JavaScript needed.

The scan input carries ``data-qr-scan``: a USB scanner types the code and Enter, the camera
reader (core/static/madoguchi/qr-scanner.js) fills it and submits. A check-in redirects to
the waiting page with ``?checked_in=<booking>``, which shows the number, its ticket and the
prepared applications; a refusal shows the page again with the message on the input and
what was typed in it.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required

from . import checkin, selectors
from .staff_forms import CheckInForm
from .waiting_views import queue_page


@staff_required
@require_POST
def check_in(request: HttpRequest, counter_id: int) -> HttpResponseBase:
    staff = staff_of(request)
    counter = get_object_or_404(selectors.counters_for(staff), pk=counter_id)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            done = checkin.check_in(text=form.cleaned_data["scan"], counter=counter, by=staff)
        except Refused as refused:
            form.add_error("scan", str(refused.message))
        else:
            text = (
                gettext("Checked in. Waiting number %(number)d is the visitor's.")
                if done.first
                else gettext(
                    "This booking was already checked in: its waiting number is still %(number)d."
                )
            )
            messages.success(request, text % {"number": done.ticket.number})
            url = reverse("reservations_staff:waiting", args=[counter.pk])
            return redirect(f"{url}?checked_in={done.booking.pk}")
    return queue_page(request, counter, checkin_form=form, status=422)
