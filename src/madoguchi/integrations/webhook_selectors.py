"""Reads of signed webhooks: who sees which endpoint, its deliveries and their log."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from madoguchi.tenants.models import StaffMember, StaffRole

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def may_manage(staff: StaffMember) -> bool:
    """Add and change webhooks and see their secrets: the city's administrators."""
    return staff.role == StaffRole.MUNICIPALITY_ADMIN


def may_replay(staff: StaffMember, endpoint: WebhookEndpoint) -> bool:
    """Replay a delivery: an administrator, or staff (not read-only) of its department."""
    if staff.municipality_id != endpoint.municipality_id:
        return False
    if may_manage(staff):
        return True
    return staff.can_act and staff.departments.filter(pk=endpoint.department_id).exists()


def endpoints_for(staff: StaffMember) -> QuerySet[WebhookEndpoint]:
    """The webhooks a staff member sees: the city's for an administrator, else their
    departments'."""
    endpoints = WebhookEndpoint.objects.filter(municipality_id=staff.municipality_id)
    if not may_manage(staff):
        endpoints = endpoints.filter(department__in=staff.departments.all())
    return (
        endpoints.select_related("department")
        .annotate(delivery_count=Count("deliveries"))
        .order_by("department__name", "pk")
    )


def endpoint_for(staff: StaffMember, pk: int) -> WebhookEndpoint | None:
    return endpoints_for(staff).filter(pk=pk).first()


def recent_deliveries(endpoint: WebhookEndpoint, *, limit: int = 50) -> list[WebhookDelivery]:
    """The latest deliveries of an endpoint, newest first."""
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("feed_entry")
        .order_by("-pk")[:limit]
    )


def delivery_for(staff: StaffMember, pk: int) -> WebhookDelivery | None:
    """A delivery of a webhook the staff member sees (None otherwise)."""
    return (
        WebhookDelivery.objects.filter(pk=pk, endpoint__in=endpoints_for(staff).values("pk"))
        .select_related("endpoint__department", "feed_entry")
        .first()
    )


def attempts_of(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    """The delivery log: every HTTP attempt, oldest first."""
    return list(WebhookAttempt.objects.filter(delivery=delivery).order_by("at", "pk"))
