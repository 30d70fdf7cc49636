"""Staff pages of signed webhooks (/staff/integrations/webhooks/). Thin: rules live in
webhook_selectors (who sees what) and webhook_services (every change)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.forms import SummaryItem, field_errors, summary
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import Department, StaffMember

from . import webhook_selectors as selectors
from . import webhook_services as services
from .models import FeedKind, WebhookEndpoint
from .webhook_forms import EndpointForm


def _endpoint(staff: StaffMember, pk: int) -> WebhookEndpoint:
    endpoint = selectors.endpoint_for(staff, pk)
    if endpoint is None:
        raise Http404
    return endpoint


def kind_labels(endpoint: WebhookEndpoint) -> list[str]:
    """The events an endpoint takes, by name (empty: every event)."""
    labels = dict(FeedKind.choices)
    return [str(labels.get(kind, kind)) for kind in endpoint.event_types]


def _departments(staff: StaffMember) -> Any:
    return Department.objects.filter(municipality_id=staff.municipality_id).order_by("name")


@require_GET
@staff_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    return render(
        request,
        "integrations/webhooks.html",
        {
            "rows": [(e, kind_labels(e)) for e in selectors.endpoints_for(staff)],
            "may_manage": selectors.may_manage(staff),
        },
    )


def _form_page(
    request: HttpRequest, staff: StaffMember, endpoint: WebhookEndpoint | None
) -> HttpResponse:
    if not selectors.may_manage(staff):
        return HttpResponseForbidden(_("Only the city's administrators add or change webhooks."))
    initial = (
        {
            "department": endpoint.department_id,
            "url": endpoint.url,
            "event_types": endpoint.event_types,
            "description": endpoint.description,
        }
        if endpoint
        else {}
    )
    form = EndpointForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        departments=_departments(staff),
    )
    errors: list[SummaryItem] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if endpoint is None:
                    endpoint = services.create_endpoint(
                        staff=staff,
                        department=data["department"],
                        url=data["url"],
                        event_types=data["event_types"],
                        description=data["description"],
                    )
                    messages.success(
                        request,
                        _("The webhook was added. Give its secret to the receiving system."),
                    )
                else:
                    endpoint = services.update_endpoint(
                        staff=staff,
                        endpoint=endpoint,
                        url=data["url"],
                        event_types=data["event_types"],
                        description=data["description"],
                    )
                    messages.success(request, _("The webhook was saved."))
                return redirect("integrations:webhook", endpoint.pk)
            except services.WebhookRefused as refused:
                form.add_error(refused.field or None, refused.message)
        errors = summary(
            form,
            anchors=EndpointForm.ANCHORS,
            general_anchor="url",
            general_label=str(EndpointForm.GENERAL),
        )
        status = 422
    chosen = form["event_types"].value() or []
    return render(
        request,
        "integrations/webhook_form.html",
        {
            "form": form,
            "endpoint": endpoint,
            "errors": errors,
            "field_errors": field_errors(form if form.is_bound else None),
            "kinds": FeedKind.choices,
            "chosen": [str(kind) for kind in chosen],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def webhook_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, staff_of(request), None)


@require_http_methods(["GET", "POST"])
@staff_required
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = staff_of(request)
    return _form_page(request, staff, _endpoint(staff, pk))


@require_GET
@staff_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = staff_of(request)
    endpoint = _endpoint(staff, pk)
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "endpoint": endpoint,
            "deliveries": selectors.recent_deliveries(endpoint),
            "may_manage": selectors.may_manage(staff),
            "may_replay": selectors.may_replay(staff, endpoint),
            "kind_labels": kind_labels(endpoint),
        },
    )


@require_GET
@staff_required
def webhook_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    staff = staff_of(request)
    delivery = selectors.delivery_for(staff, pk)
    if delivery is None:
        raise Http404
    endpoint = delivery.endpoint
    return render(
        request,
        "integrations/webhook_delivery.html",
        {
            "endpoint": endpoint,
            "delivery": delivery,
            "attempts": selectors.attempts_of(delivery),
            "may_replay": selectors.may_replay(staff, endpoint),
            "payload": json.dumps(delivery.payload, ensure_ascii=False, indent=2),
        },
    )


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    staff = staff_of(request)
    endpoint = _endpoint(staff, pk)
    try:
        if action == "rotate":
            services.rotate_secret(staff=staff, endpoint=endpoint)
            messages.success(
                request,
                _(
                    "A new secret was made. The old one also signs for 24 hours: give the new "
                    "one to the receiving system within that time."
                ),
            )
        elif action == "disable":
            services.disable(staff=staff, endpoint=endpoint)
            messages.success(request, _("The webhook was disabled."))
        else:
            services.enable(staff=staff, endpoint=endpoint)
            messages.success(
                request, _("The webhook was re-enabled. Waiting retries are sent now.")
            )
    except services.WebhookRefused as refused:
        return HttpResponseForbidden(refused.message)
    return redirect("integrations:webhook", endpoint.pk)


@require_POST
@staff_required
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "rotate")


@require_POST
@staff_required
def webhook_disable(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "disable")


@require_POST
@staff_required
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "enable")


@require_POST
@staff_required
def webhook_replay(request: HttpRequest, pk: int) -> HttpResponse:
    staff = staff_of(request)
    delivery = selectors.delivery_for(staff, pk)
    if delivery is None:
        raise Http404
    try:
        services.replay(staff=staff, delivery=delivery)
    except services.WebhookRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The delivery will be sent again with the same webhook-id."))
    return redirect("integrations:webhook_delivery", delivery.pk)
