from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from .models import Draft, Submission
from .services import hash_token


def draft_by_token(token: str) -> Draft:
    """The live draft behind a resume link; raises Draft.DoesNotExist when unknown or expired."""
    return Draft.objects.select_related(
        "form_version__form__municipality", "form_version__form__department"
    ).get(token_hash=hash_token(token), expires_at__gt=timezone.now())


def inbox_for(staff: StaffMember) -> QuerySet[Submission]:
    """Submissions this staff member may see: their departments' only (admins: the city's)."""
    return (
        Submission.objects.filter(department__in=visible_departments(staff))
        .select_related("form_version__form", "department")
        .order_by("-submitted_at", "-id")
    )


def submission_for_staff(staff: StaffMember, receipt_number: str) -> Submission:
    return (
        inbox_for(staff)
        .select_related("identity__provider", "municipality")
        .get(receipt_number=receipt_number)
    )


def stale_drafts(days: int = 0) -> QuerySet[Draft]:
    return Draft.objects.filter(expires_at__lt=timezone.now() - timedelta(days=days))
