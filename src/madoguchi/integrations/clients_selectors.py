"""Reads for the system API and its admin pages. The client's scope lives here: a client sees
applications of its departments (and of its forms when it lists any), and nothing else is
found (404, never 403, so a client learns nothing of other departments' applications)."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, QuerySet

from madoguchi.forms.models import Form
from madoguchi.submissions.models import Attachment, Submission
from madoguchi.tenants.models import Department, StaffMember

from . import feed_selectors
from .models import ClientSecret, FeedEntry, SystemClient

MAX_LIMIT = 500


def clients_of(staff: StaffMember) -> QuerySet[SystemClient]:
    """The city's clients, newest first, with their departments, forms and secrets."""
    return (
        SystemClient.objects.filter(municipality_id=staff.municipality_id)
        .prefetch_related(
            "departments",
            "forms",
            Prefetch("secrets", queryset=ClientSecret.objects.order_by("-created_at")),
        )
        .order_by("revoked_at", "-created_at")
    )


def client_of(staff: StaffMember, pk: int) -> SystemClient | None:
    return clients_of(staff).filter(pk=pk).first()


def departments_of(staff: StaffMember) -> QuerySet[Department]:
    return Department.objects.filter(municipality_id=staff.municipality_id).order_by("code")


def forms_of(staff: StaffMember) -> QuerySet[Form]:
    """The city's forms a client may be limited to, by department."""
    return (
        Form.objects.filter(municipality_id=staff.municipality_id)
        .select_related("department", "current_version")
        .order_by("department__code", "slug")
    )


def _scope(client: SystemClient) -> tuple[list[int], list[int] | None]:
    department_ids = [d.pk for d in client.departments.all()]
    form_ids = [f.pk for f in client.forms.all()]
    return department_ids, form_ids or None


def applications_for(client: SystemClient) -> QuerySet[Submission]:
    """Every application the client may see."""
    department_ids, form_ids = _scope(client)
    found = Submission.objects.filter(
        municipality_id=client.municipality_id, department_id__in=department_ids
    )
    if form_ids is not None:
        found = found.filter(form_version__form_id__in=form_ids)
    return found


def application_for(client: SystemClient, public_id: str) -> Submission | None:
    """One application by its public id, if the client may see it (else None: a 404)."""
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        return None
    return (
        applications_for(client)
        .filter(public_id=key)
        .select_related("form_version__form", "department", "municipality")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(superseded_by__isnull=True).order_by("pk"),
            ),
        )
        .first()
    )


def attachment_for(client: SystemClient, attachment_id: int) -> Attachment | None:
    return (
        Attachment.objects.filter(
            pk=attachment_id,
            submission__in=applications_for(client),
            superseded_by__isnull=True,
        )
        .select_related("submission__department")
        .first()
    )


def changes_for(client: SystemClient, *, after: int, limit: int) -> list[FeedEntry]:
    """The feed entries after cursor ``after`` that the client may see, in cursor order."""
    department_ids, form_ids = _scope(client)
    return feed_selectors.entries_after(
        after, departments=department_ids, forms=form_ids, limit=min(limit, MAX_LIMIT + 1)
    )
