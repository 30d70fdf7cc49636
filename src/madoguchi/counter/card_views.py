"""Staff side of the resident display and the card (``/staff/counter/``): the pairing
code, 「住民に表示」 per application, 「カードを読み取る」, 「カードで署名」, and the card agent
settings page. The counter screen includes ``counter/display_panel.html`` (context from
:func:`.display.panel_context`); its buttons post here and come back to ``next``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.refusal_views import message_of
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import card, display
from .display_views import AGENT_SOURCES
from .models import Visit, VisitApplication

# The counter screen (screen_views) looks the panel's context up here; it lives in display.
panel_context = display.panel_context


def _visits(clerk: StaffMember) -> QuerySet[Visit]:
    return Visit.objects.filter(
        municipality_id=clerk.municipality_id,
        department__in=visible_departments(clerk),
        closed_at__isnull=True,
    )


def _visit_for(clerk: StaffMember, visit_id: int) -> Visit:
    visit = _visits(clerk).filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def _application_for(clerk: StaffMember, application_id: int) -> VisitApplication:
    application = (
        VisitApplication.objects.filter(pk=application_id, visit__in=_visits(clerk))
        .select_related("visit", "form_version__form")
        .first()
    )
    if application is None:
        raise Http404
    return application


def _back(request: HttpRequest, visit: Visit) -> HttpResponse:
    target = str(request.POST.get("next", ""))
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    # The panel's forms send the counter screen's address; without it, the panel's own page.
    return redirect(reverse("counter:display_panel", kwargs={"visit_id": visit.pk}))


def _refused(request: HttpRequest, visit: Visit, refused: Refused) -> HttpResponse:
    messages.error(request, message_of(refused))
    return _back(request, visit)


@staff_required
@require_POST
def start_pairing(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    visit = _visit_for(staff_of(request), visit_id)
    code = display.start_pairing(visit=visit)
    messages.info(
        request,
        _("Type %(code)s on the resident display (valid for 10 minutes).") % {"code": code},
    )
    return _back(request, visit)


@staff_required
@require_POST
def show(request: HttpRequest, application_id: int) -> HttpResponseBase:
    application = _application_for(staff_of(request), application_id)
    try:
        display.show_for_confirmation(application=application)
    except Refused as refused:
        return _refused(request, application.visit, refused)
    return _back(request, application.visit)


@staff_required
@require_POST
def read_card(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    visit = _visit_for(staff_of(request), visit_id)
    try:
        card.issue_challenge(visit=visit)
    except Refused as refused:
        return _refused(request, visit, refused)
    messages.info(
        request,
        _("The resident display now asks for the card's 4-digit PIN. Put the card on the reader."),
    )
    return _back(request, visit)


@staff_required
@require_POST
def sign(request: HttpRequest, application_id: int) -> HttpResponseBase:
    application = _application_for(staff_of(request), application_id)
    try:
        card.begin_counter_signing(application=application)
    except Refused as refused:
        return _refused(request, application.visit, refused)
    messages.info(request, _("The resident display now asks for the card's signing password."))
    return _back(request, application.visit)


@staff_required
@require_GET
def panel(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The display panel on its own page (the counter screen includes the same part)."""
    visit = _visit_for(staff_of(request), visit_id)
    context = {"staff": staff_of(request), "visit": visit, **display.panel_context(visit)}
    return render(request, "counter/display_panel_page.html", context)


@staff_required
@require_GET
def agent_settings(request: HttpRequest) -> HttpResponse:
    """Where the clerk sets the card agent's address and pairing token once per browser
    (kept in this browser's localStorage by counter/agent-settings.js, never sent here)."""
    response = render(request, "counter/agent_settings.html", {"staff": staff_of(request)})
    # "Test the connection" asks the agent on loopback, as the display does.
    response._csp_update = {"connect-src": AGENT_SOURCES}  # type: ignore[attr-defined]
    return response
