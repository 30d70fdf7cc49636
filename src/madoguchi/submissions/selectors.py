from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.core import events
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.ledger.models import LedgerEntry
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import access_history as history_words
from . import resident_session
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
        # Ids resolved first: with constants the planner walks the (department,
        # submitted_at, id) index in order instead of joining and sorting.
        Submission.objects.filter(
            department_id__in=list(visible_departments(staff).values_list("pk", flat=True))
        )
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
SESSION_RECEIPTS = resident_session.SESSION_RECEIPTS
SESSION_RESIDENT = resident_session.SESSION_RESIDENT


def session_receipts(session: SessionBase) -> dict[str, str]:
    """Receipts this session may still open (see resident_session: they expire)."""
    return resident_session.receipts(session)


def logged_in_resident(session: SessionBase) -> tuple[int, str] | None:
    """(provider id, subject) of the resident logged in on this browser, if any."""
    return resident_session.logged_in_person(session)


def resident_submissions(provider_id: int, subject: str) -> QuerySet[Submission]:
    """Everything this person submitted with their card, newest first."""
    return (
        Submission.objects.filter(identity__provider_id=provider_id, identity__subject=subject)
        .select_related("form_version__form", "department", "municipality")
        .prefetch_related("result_documents")
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


@dataclass(frozen=True)
class AccessRecord:
    """One line of the resident's access history (やりとり履歴), read from the audit ledger."""

    at: datetime
    event: str
    receipt_number: str
    # The department that acted, or "" when the resident did (submitted, signed ...).
    department: str
    by_resident: bool
    # Done by the department's back-office system (the ledger event's ``by: system``).
    by_system: bool = False
    # Staff views grouped into this line (see group_views): how many, and the earliest.
    count: int = 1
    first_at: datetime | None = None


def group_views(records: list[AccessRecord]) -> list[AccessRecord]:
    """Successive staff views of one application by one department on one day, as one line.

    ``records`` are newest first; a group keeps the newest time in ``at`` and the
    earliest in ``first_at``. Anything else in between (a status change, a file opened)
    ends the group, so the order of what happened stays readable.
    """
    grouped: list[AccessRecord] = []
    for record in records:
        previous = grouped[-1] if grouped else None
        if (
            previous is not None
            and record.event == previous.event
            and record.event in (events.Event.STAFF_VIEWED, events.Event.SYSTEM_FETCHED)
            and record.receipt_number == previous.receipt_number
            and record.department == previous.department
            and timezone.localdate(record.at) == timezone.localdate(previous.at)
        ):
            grouped[-1] = replace(previous, count=previous.count + 1, first_at=record.at)
        else:
            grouped.append(record)
    return grouped


# Events about a submission that the resident is shown, in the ledger's words.
HISTORY_EVENTS = (
    events.Event.SUBMITTED,
    events.Event.SIGNED,
    events.Event.RECEIPT_ISSUED,
    events.Event.STAFF_VIEWED,
    events.Event.STATUS_CHANGED,
    events.Event.EXPORTED,
    events.Event.RESULT_DELIVERED,
    events.Event.SYSTEM_FETCHED,
    events.Event.SYSTEM_ACKNOWLEDGED,
)
RESIDENT_EVENTS = frozenset({events.Event.SUBMITTED, events.Event.SIGNED})


def access_history(
    submissions: list[Submission], *, language: str, limit: int = 200
) -> list[AccessRecord]:
    """Every recorded event about these submissions, newest first.

    The ledger holds only pseudonyms and department codes; the names are joined here,
    for the resident's own submissions only.
    """
    by_subject = {events.submission_subject(s.public_id): s for s in submissions}
    if not by_subject:
        return []
    entries = list(
        ledger_selectors.entries_about(
            list(by_subject), [e.value for e in HISTORY_EVENTS]
        ).order_by("-index")[:limit]
    )
    municipality_ids = {s.municipality_id for s in submissions}
    departments = {
        (d.municipality_id, d.code): d.localized_name(language)
        for d in Department.objects.filter(municipality_id__in=municipality_ids)
    }
    records = []
    for entry in entries:
        submission = by_subject[entry.subject]
        by_resident = entry.event in RESIDENT_EVENTS
        code = str(entry.detail.get("department", ""))
        department = "" if by_resident else departments.get((submission.municipality_id, code), "")
        by_system = entry.detail.get("by") == "system"
        if by_system:
            # A department's back-office system, through the system API (integrations).
            department = history_words.system_actor(department)
        records.append(
            AccessRecord(
                at=entry.recorded_at,
                event=entry.event,
                receipt_number=submission.receipt_number,
                department=department,
                by_resident=by_resident,
                by_system=by_system,
            )
        )
    return group_views(records)


# Ledger events whose detail names the document a submission holds from then on: the
# submission itself and a resubmission after 差し戻し.
DOCUMENT_EVENTS = (events.Event.SUBMITTED.value, events.Event.STATUS_CHANGED.value)


def document_entries(submission: Submission) -> list[LedgerEntry]:
    """The ledger entries that recorded a document of this submission, newest first."""
    entries = ledger_selectors.entries_about(
        [events.submission_subject(submission.public_id)], list(DOCUMENT_EVENTS)
    ).order_by("-index")
    return [entry for entry in entries if "document" in entry.detail]
