from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.base import SessionBase
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


# Session keys of the resident's side. Receipts: submissions sent from this browser
# (draft token hash → submission public id). Resident: who logged in with their card on
# the resident's page ({"provider": id, "subject": hashed subject}).
SESSION_RECEIPTS = "madoguchi_receipts"
SESSION_RESIDENT = "madoguchi_resident"


def session_receipts(session: SessionBase) -> dict[str, str]:
    receipts = session.get(SESSION_RECEIPTS)
    return receipts if isinstance(receipts, dict) else {}


def logged_in_resident(session: SessionBase) -> tuple[int, str] | None:
    """(provider id, subject) of the resident logged in on this browser, if any."""
    resident = session.get(SESSION_RESIDENT)
    if isinstance(resident, dict) and "provider" in resident and "subject" in resident:
        return int(resident["provider"]), str(resident["subject"])
    return None


def resident_submissions(provider_id: int, subject: str) -> QuerySet[Submission]:
    """Everything this person submitted with their card, newest first."""
    return (
        Submission.objects.filter(identity__provider_id=provider_id, identity__subject=subject)
        .select_related("form_version__form", "department", "municipality")
        .order_by("-submitted_at", "-id")
    )


def visible_to_resident(session: SessionBase, submission: Submission) -> bool:
    """May this browser see the submission: it sent it, or its card owner is logged in."""
    if str(submission.public_id) in session_receipts(session).values():
        return True
    resident = logged_in_resident(session)
    if resident is None or submission.identity_id is None:
        return False
    identity = submission.identity
    assert identity is not None
    return (identity.provider_id, identity.subject) == resident
