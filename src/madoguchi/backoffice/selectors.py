"""Reads for the staff screens."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from madoguchi.forms.models import Form
from madoguchi.submissions import access_history, due_dates, identity_levels, sealed, workflow
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import staff_who_can_act, visible_departments

from . import fees, search


def colleagues_for(submission: Submission) -> list[StaffMember]:
    """Staff who may act on this submission: its department's, and the city's administrators."""
    return list(staff_who_can_act(submission.municipality_id, [submission.department_id]))


def workflow_context(
    staff: StaffMember, submission: Submission, *, language: str
) -> dict[str, Any]:
    """What the detail page offers: the next statuses, reopenable answers, people, history."""
    schema = submission.form_version.schema
    allowed = workflow.allowed_transitions(submission) if staff.can_act else frozenset()
    # A sealed application's answers are ciphertext here: every question may be chosen.
    encrypted = sealed.is_sealed(submission)
    return {
        "transitions": [(value, label) for value, label in Status.choices if value in allowed],
        # Only offered when the submission can be returned now.
        "reopenable": [
            (f.key, f.label.get(language))
            for f in schema.fields()
            if f.collects_input
            and f.type != "consent"
            and (encrypted or f.key in submission.answers)
            and f.key not in submission.prefilled_fields
        ]
        if Status.RETURNED in allowed
        else [],
        "colleagues": [(c.pk, c.display_name) for c in colleagues_for(submission)],
        "status_changes": _status_changes(submission, language=language),
        "corrections": submission.corrections.all(),
        "comments": submission.comments.select_related("author__user"),
        "results": submission.result_documents.select_related("delivered_by__user"),
        "can_deliver": staff.can_act and submission.status in workflow.DELIVERABLE,
        "can_act": staff.can_act,
    }


def _status_changes(submission: Submission, *, language: str) -> list[Any]:
    """The workflow's steps, each with ``system_actor``: 「基幹システム（<課>）」 when a
    back-office system set it (else ""), so it does not read as the applicant's."""
    by_system = access_history.system_status_changes(submission, language=language)
    changes = list(submission.status_changes.select_related("actor__user"))
    for change in changes:
        change.system_actor = by_system.get(change.pk, "")  # type: ignore[attr-defined]
    return changes


PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox is narrowed to. Unknown or malformed values are dropped, not errors."""

    form: int | None = None
    status: str = ""
    received_from: date | None = None
    received_to: date | None = None
    # A staff member's id, "me", or "none" (unassigned).
    assignee: str = ""
    identity_level: str = ""
    query: str = ""
    oldest_first: bool = False
    # 支払状況: one of fees.PAYMENT_FILTERS (unpaid, paid, refunded).
    payment: str = ""
    # 期限超過: past the due date while the department has it (submissions.due_dates).
    overdue: bool = False

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> InboxFilters:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name, ""))
            except ValueError:
                return None

        form = params.get("form", "")
        status = params.get("status", "")
        assignee = params.get("assignee", "")
        level = params.get("identity", "")
        payment = params.get("payment", "")
        return cls(
            form=int(form) if form.isdigit() else None,
            status=status if status in Status.values else "",
            received_from=day("from"),
            received_to=day("to"),
            assignee=assignee if assignee in {"me", "none"} or assignee.isdigit() else "",
            identity_level=level if level in IDENTITY_LEVELS else "",
            query=params.get("q", "").strip()[:100],
            oldest_first=params.get("sort") == "oldest",
            payment=payment if payment in fees.PAYMENT_FILTERS else "",
            overdue=params.get("overdue") == "1",
        )

    def as_query(self) -> dict[str, str]:
        """The filters as URL parameters, for links that keep them (pages, sorting)."""
        values = {
            "form": str(self.form or ""),
            "status": self.status,
            "from": self.received_from.isoformat() if self.received_from else "",
            "to": self.received_to.isoformat() if self.received_to else "",
            "assignee": self.assignee,
            "identity": self.identity_level,
            "q": self.query,
            "sort": "oldest" if self.oldest_first else "",
            "payment": self.payment,
            "overdue": "1" if self.overdue else "",
        }
        return {key: value for key, value in values.items() if value}


IDENTITY_LEVELS = tuple(identity_levels.IdentityLevel.values)


@dataclass(frozen=True)
class InboxPage:
    rows: list[Submission]
    next_cursor: str
    previous_cursor: str


def _cursor(submission: Submission) -> str:
    return f"{submission.submitted_at.timestamp():.6f}_{submission.pk}"


def _parse_cursor(cursor: str) -> tuple[datetime, int] | None:
    stamp, _sep, pk = cursor.partition("_")
    try:
        return datetime.fromtimestamp(float(stamp), tz=UTC), int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def filtered_inbox(staff: StaffMember, filters: InboxFilters) -> QuerySet[Submission]:
    """The staff member's department-scoped inbox narrowed by the filters (unordered)."""
    submissions = submission_selectors.inbox_for(staff).order_by()
    if filters.form:
        submissions = submissions.filter(form_version__form_id=filters.form)
    if filters.status:
        submissions = submissions.filter(status=filters.status)
    tz = timezone.get_current_timezone()
    if filters.received_from:
        start = datetime.combine(filters.received_from, time.min, tzinfo=tz)
        submissions = submissions.filter(submitted_at__gte=start)
    if filters.received_to:
        end = datetime.combine(filters.received_to + timedelta(days=1), time.min, tzinfo=tz)
        submissions = submissions.filter(submitted_at__lt=end)
    if filters.assignee == "me":
        submissions = submissions.filter(assignee=staff)
    elif filters.assignee == "none":
        submissions = submissions.filter(assignee__isnull=True)
    elif filters.assignee:
        submissions = submissions.filter(assignee_id=int(filters.assignee))
    if filters.identity_level:
        submissions = submissions.filter(identity_level=filters.identity_level)
    if filters.query:
        # Names, readings and receipt numbers by prefix of normalised terms: an index
        # seek, which a "contains" search over a million rows cannot be (see search.py).
        submissions = submissions.filter(search.matching(filters.query))
    if filters.payment:
        submissions = fees.filter_by_payment(submissions, filters.payment)
    if filters.overdue:
        submissions = due_dates.overdue(submissions, due_dates.today())
    return submissions


def inbox_page(
    staff: StaffMember, filters: InboxFilters, *, after: str = "", before: str = ""
) -> InboxPage:
    """One page of the inbox by keyset pagination: as fast on page 20,000 as on page 1.

    The position is the last row's (submitted_at, id), so the database seeks in the
    (department, submitted_at, id) index instead of counting and skipping rows.
    """
    submissions = filtered_inbox(staff, filters)
    descending = not filters.oldest_first
    backwards = bool(before) and not after
    position = _parse_cursor(before if backwards else after) if (after or before) else None
    if position is not None:
        at, pk = position
        later = Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk)
        earlier = Q(submitted_at__lt=at) | Q(submitted_at=at, pk__lt=pk)
        submissions = submissions.filter(earlier if descending != backwards else later)
    newest_first = descending != backwards
    order = ["-submitted_at", "-id"] if newest_first else ["submitted_at", "id"]
    rows = list(
        # Each row's payment state comes with it (a subquery per row in the same query).
        fees.with_payment_state(submissions)
        .select_related("form_version__form", "department", "assignee__user")
        .order_by(*order)[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_previous = (more if backwards else position is not None) and bool(rows)
    return InboxPage(
        rows=rows,
        next_cursor=_cursor(rows[-1]) if rows and has_next else "",
        previous_cursor=_cursor(rows[0]) if has_previous else "",
    )


def inbox_choices(
    staff: StaffMember, *, language: str, rows: Iterable[Submission] = ()
) -> dict[str, Any]:
    """The options of the inbox filters (forms, statuses, colleagues) and bulk action."""
    departments = visible_departments(staff)
    forms = (
        Form.objects.filter(department__in=departments, current_version__isnull=False)
        .select_related("current_version")
        .order_by("slug")
    )
    return {
        "form_choices": [
            (f.pk, f.current_version.schema.title.get(language))  # type: ignore[union-attr]
            for f in forms
        ],
        "status_choices": Status.choices,
        "assignee_choices": [
            (c.pk, c.display_name)
            for c in staff_who_can_act(
                staff.municipality_id, list(departments.values_list("pk", flat=True))
            )
        ],
        "identity_choices": identity_levels.choices(),
        "payment_choices": [
            (value, fees.PAYMENT_STATE_LABELS[value]) for value in fees.PAYMENT_FILTERS
        ],
        "bulk_choices": bulk_choices(staff, rows),
    }


# Never offered for many at once: a return names the answers to reopen (detail page), and
# the other two are the applicant's own steps.
BULK_EXCLUDED = frozenset({Status.RECEIVED, Status.RETURNED, Status.RESUBMITTED})


def bulk_transitions(submission: Submission) -> frozenset[str]:
    """The statuses a submission may be moved to from the inbox's bulk action."""
    return workflow.allowed_transitions(submission) - BULK_EXCLUDED


def bulk_choices(staff: StaffMember, rows: Iterable[Submission]) -> list[tuple[str, str]]:
    """The bulk action's statuses: those some listed submission may move to, in workflow order.

    Each row's checkbox names its own (``bulk_transitions``), so the page narrows the
    list to what every checked row allows; :func:`bulk_refusals` refuses the rest.
    """
    if not staff.can_act:
        return []
    offered: set[str] = set()
    for submission in rows:
        offered |= bulk_transitions(submission)
    return [(value, str(label)) for value, label in Status.choices if value in offered]


def bulk_refusals(submissions: Iterable[Submission], to_status: str) -> list[str]:
    """Receipt numbers of the chosen submissions that cannot move to ``to_status``."""
    return [s.receipt_number for s in submissions if to_status not in bulk_transitions(s)]
