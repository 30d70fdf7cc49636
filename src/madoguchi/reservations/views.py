"""The resident's booking pages: no account, phone first, no JavaScript needed.

A counter's calendar (a table of days with free slots) → a day's free slots with name and
email → the booking's page, reached by its secret link (only the hash is kept), from which
the resident cancels. Refusals come back on the same page with what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.core.refusals import Refused
from madoguchi.counter import qr
from madoguchi.counter import selectors as counter_selectors
from madoguchi.counter.models import Preregistration, PreregistrationStatus
from madoguchi.forms.models import Form

from . import notify, selectors, services, slots
from . import reference as references
from .models import Booking, BookingStatus, Counter


class BookingForm(forms.Form):
    start = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)
    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(
        label=_("Email (for the confirmation)"), required=False, max_length=254
    )


@dataclass(frozen=True)
class Procedures:
    """The procedures a counter offers and those the resident chose (``form`` in the query
    or the posted form, repeated: the calendar's checkboxes), the pre-registration's first."""

    offered: list[tuple[Form, str]]
    chosen: list[Form]
    prepared: Form | None = None

    @property
    def missing(self) -> bool:
        """True when the counter offers procedures and none is chosen yet."""
        return bool(self.offered) and not self.chosen

    @property
    def chosen_ids(self) -> set[int]:
        return {form.pk for form in self.chosen}

    @property
    def titles(self) -> list[str]:
        by_id = {form.pk: title for form, title in self.offered}
        return [by_id.get(form.pk, form.slug) for form in self.chosen]

    @property
    def query(self) -> str:
        """The choice as a query string for the next step's links (``form=1&form=2``)."""
        return urlencode([("form", form.pk) for form in self.chosen])


def _procedures(
    request: HttpRequest, counter: Counter, preregistration: Preregistration | None = None
) -> Procedures:
    language = get_language() or "ja"
    offered = selectors.counter_procedures(counter, language=language)
    prepared = preregistration.form_version.form if preregistration else None
    if prepared is not None and all(form.pk != prepared.pk for form, _title in offered):
        # Pre-registered while the form offered the counter; it is still this visit's.
        title = preregistration.form_version.schema.title.get(language) if preregistration else ""
        offered.insert(0, (prepared, str(title)))
    source = request.POST if request.method == "POST" else request.GET
    wanted = set(source.getlist("form"))
    chosen = [
        form
        for form, _title in offered
        if str(form.pk) in wanted or (prepared is not None and form.pk == prepared.pk)
    ]
    if prepared is not None:
        chosen.sort(key=lambda form: form.pk != prepared.pk)
    return Procedures(offered=offered, chosen=chosen, prepared=prepared)


def _weeks(
    counter: Counter, today: date, forms: Sequence[Form] = ()
) -> list[list[tuple[date, int | None]]]:
    """Rows of Monday-to-Sunday cells: each day with its free slot count (None: not bookable)."""
    rules = selectors.rules_for(counter)
    now = timezone.now()
    last = today + timedelta(days=rules.horizon_days)
    day = today - timedelta(days=today.weekday())
    weeks: list[list[tuple[date, int | None]]] = []
    while day <= last:
        week: list[tuple[date, int | None]] = []
        for _offset in range(7):
            count = None
            if today <= day <= last and not slots.is_closed(rules, day):
                count = len(selectors.free_slots(counter, day, forms=forms, now=now))
            week.append((day, count))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


@require_GET
def municipality(request: HttpRequest, lg_code: str) -> HttpResponse:
    """The counters of one municipality that take bookings: the page a city links to."""
    counters = list(selectors.counters_of_municipality(lg_code))
    if not counters:
        raise Http404
    return render(
        request,
        "reservations/municipality.html",
        {"municipality": counters[0].department.municipality, "counters": counters},
    )


@require_GET
def calendar(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = get_object_or_404(Counter.objects.select_related("department"), pk=counter_id)
    return _calendar(request, counter, _procedures(request, counter))


def _calendar(
    request: HttpRequest, counter: Counter, procedures: Procedures, token: str | None = None
) -> HttpResponse:
    """The procedures' checkboxes, then (once one is chosen) the days a visit for all of
    them fits. Asking for the days with none checked says to choose one (422)."""
    unchosen = procedures.missing and "show" in request.GET
    return render(
        request,
        "reservations/calendar.html",
        {
            "counter": counter,
            "weeks": None
            if procedures.missing
            else _weeks(counter, timezone.localdate(), procedures.chosen),
            "procedures": procedures,
            "unchosen": unchosen,
            "titles": procedures.titles,
            "token": token,
        },
        status=422 if unchosen else 200,
    )


def _preregistration(token: str) -> tuple[Preregistration, Counter | None]:
    """The pre-registration behind the resident's secret link and its department's counter."""
    try:
        preregistration = counter_selectors.by_token(token)
    except Preregistration.DoesNotExist as error:
        raise Http404 from error
    if preregistration.status != PreregistrationStatus.WAITING:
        raise Http404
    counter = (
        Counter.objects.select_related("department")
        .filter(department_id=preregistration.department_id)
        .first()
    )
    return preregistration, counter


@never_cache
@require_GET
def prereg_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar for a pre-registration's department; the booking will carry it and its
    procedure (checked and fixed), and the resident may add others."""
    preregistration, counter = _preregistration(token)
    if counter is None:
        return render(request, "reservations/no_counter.html", {"preregistration": preregistration})
    return _calendar(request, counter, _procedures(request, counter, preregistration), token)


@never_cache
@require_http_methods(["GET", "POST"])
def prereg_day(request: HttpRequest, token: str, day: str) -> HttpResponse:
    preregistration, counter = _preregistration(token)
    if counter is None:
        raise Http404
    return _day(
        request,
        counter,
        day,
        _procedures(request, counter, preregistration),
        preregistration=preregistration,
        token=token,
    )


@require_http_methods(["GET", "POST"])
def day(request: HttpRequest, counter_id: int, day: str) -> HttpResponse:
    counter = get_object_or_404(Counter.objects.select_related("department"), pk=counter_id)
    return _day(request, counter, day, _procedures(request, counter))


def _day(
    request: HttpRequest,
    counter: Counter,
    day: str,
    procedures: Procedures,
    *,
    preregistration: Preregistration | None = None,
    token: str | None = None,
) -> HttpResponse:
    try:
        chosen = date.fromisoformat(day)
    except ValueError as error:
        raise Http404 from error
    if procedures.missing:
        # A day reached without choosing (an old or edited link): choose first.
        return redirect(reverse("reservations:calendar", args=[counter.pk]) + "?show=1")
    offered = selectors.free_slots(counter, chosen, forms=procedures.chosen)
    form = BookingForm(request.POST or None)
    start_field = form.fields["start"]
    assert isinstance(start_field, forms.ChoiceField)
    start_field.choices = [
        (slot.start.isoformat(), f"{slot.start:%H:%M}–{slot.end:%H:%M}") for slot in offered
    ]
    refusal: Refused | None = None
    if request.method == "POST":
        if not allow(request, "draft_start"):
            return render(request, "core/too_many_requests.html", status=429)
        if form.is_valid():
            start = next(
                s.start for s in offered if s.start.isoformat() == form.cleaned_data["start"]
            )
            try:
                booking, token = services.book(
                    counter=counter,
                    start=start,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    forms=procedures.chosen,
                    preregistration=preregistration,
                    language=get_language() or "ja",
                )
            except Refused as refused:
                refusal = refused
            else:
                url = reverse("reservations:booking", kwargs={"token": token})
                notify.send_confirmation(booking=booking, url=request.build_absolute_uri(url))
                return redirect(url)
    status = refusal.status if refusal else (422 if form.errors else 200)
    return render(
        request,
        "reservations/day.html",
        {
            "counter": counter,
            "day": chosen,
            "form": form,
            "offered": offered,
            "refusal": refusal,
            "errors": bool(refusal or form.errors),
            "token": token,
            "procedures": procedures,
            "titles": procedures.titles,
        },
        status=status,
    )


@never_cache
@require_GET
def booking(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.booking_for_token(token)
    except Refused as error:
        raise Http404 from error
    active = found.status == BookingStatus.BOOKED
    number = references.grouped(found.reference)
    return render(
        request,
        "reservations/booking.html",
        {
            "booking": found,
            "token": token,
            "active": active,
            "reference": number,
            "spelled": " ".join(number),
            # Only the booking number is in the code (MDR1.<number>): nothing personal.
            "qr_svg": qr.svg_of(
                references.payload(found.reference),
                label=gettext("Code to show at reception (booking number %(reference)s)")
                % {"reference": number},
            )
            if active
            else "",
        },
    )


@never_cache
@require_GET
def booking_code_png(request: HttpRequest, token: str) -> HttpResponse:
    """The booking's code as a PNG to save (photo album, wallet), while the booking stands."""
    found = _active_booking(token)
    if found.status != BookingStatus.BOOKED:
        return redirect("reservations:booking", token=token)
    number = references.grouped(found.reference)
    response = HttpResponse(
        qr.png_of(references.payload(found.reference), caption=number), content_type="image/png"
    )
    response["Content-Disposition"] = f'attachment; filename="madoguchi-booking-{number}.png"'
    return response


@never_cache
@require_GET
def booking_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The visit as an .ics file to add to the phone's calendar (the same as the email's),
    for a resident who gave no email or lost it."""
    found = _active_booking(token)
    if found.status != BookingStatus.BOOKED:
        raise Http404
    response = HttpResponse(notify.ics_for(found), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="visit.ics"'
    return response


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.cancel(token=token)
    except Refused as refused:
        if refused.code == "reservation_unknown":
            raise Http404 from refused
    return redirect("reservations:booking", token=token)


class ChangeForm(forms.Form):
    start = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)


def _active_booking(token: str) -> Booking:
    try:
        found = services.booking_for_token(token)
    except Refused as error:
        raise Http404 from error
    return found


@never_cache
@require_GET
def change_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """Choose another day for a booking (same counter, same procedure)."""
    found = _active_booking(token)
    if found.status != BookingStatus.BOOKED:
        return redirect("reservations:booking", token=token)
    return render(
        request,
        "reservations/calendar.html",
        {
            "counter": found.counter,
            "weeks": _weeks(found.counter, timezone.localdate(), selectors.booking_forms(found)),
            "titles": selectors.booking_procedure_titles(found, language=get_language() or "ja"),
            "change_token": token,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def change_day(request: HttpRequest, token: str, day: str) -> HttpResponse:
    found = _active_booking(token)
    if found.status != BookingStatus.BOOKED:
        return redirect("reservations:booking", token=token)
    try:
        chosen = date.fromisoformat(day)
    except ValueError as error:
        raise Http404 from error
    offered = selectors.free_slots(found.counter, chosen, forms=selectors.booking_forms(found))
    form = ChangeForm(request.POST or None)
    start_field = form.fields["start"]
    assert isinstance(start_field, forms.ChoiceField)
    start_field.choices = [
        (slot.start.isoformat(), f"{slot.start:%H:%M}–{slot.end:%H:%M}") for slot in offered
    ]
    refusal: Refused | None = None
    if request.method == "POST" and form.is_valid():
        start = next(s.start for s in offered if s.start.isoformat() == form.cleaned_data["start"])
        try:
            services.change(token=token, start=start)
        except Refused as refused:
            refusal = refused
        else:
            return redirect("reservations:booking", token=token)
    return render(
        request,
        "reservations/day.html",
        {
            "counter": found.counter,
            "day": chosen,
            "form": form,
            "offered": offered,
            "refusal": refusal,
            "errors": bool(refusal or form.errors),
            "titles": selectors.booking_procedure_titles(found, language=get_language() or "ja"),
            "change_token": token,
        },
        status=refusal.status if refusal else (422 if form.errors else 200),
    )
