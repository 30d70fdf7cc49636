"""When an application is overdue: past its due date while the department still has it.

``Submission.due_date`` is set by staff or, from the procedure's 標準処理期間, by the catalog
(madoguchi.catalog.deadlines). The clock runs while the application is received, in review or
resubmitted; it is paused while returned for correction (the catalog moves the date on when
it comes back) and stopped once decided or withdrawn. Days are Asia/Tokyo days: an
application due today is not overdue until tomorrow.
"""

from __future__ import annotations

import enum
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.core import events

from .models import Status, Submission

TOKYO = ZoneInfo("Asia/Tokyo")
RUNNING = frozenset({Status.RECEIVED, Status.IN_REVIEW, Status.RESUBMITTED})


def today() -> date:
    return timezone.now().astimezone(TOKYO).date()


def is_overdue(submission: Submission, on: date) -> bool:
    return (
        submission.due_date is not None
        and submission.due_date < on
        and submission.status in RUNNING
    )


def overdue(submissions: QuerySet[Submission], on: date) -> QuerySet[Submission]:
    """Narrow ``submissions`` to the overdue ones (one more condition, no extra query)."""
    return submissions.filter(due_date__lt=on, status__in=list(RUNNING))


class MoveReason(enum.StrEnum):
    """Why a due date moved (the ledger's ``reason``)."""

    # Staff changed it on the application's page.
    STAFF = "staff_set"
    # It came back from 差し戻し: the days it was returned are added (the clock paused).
    PAUSED = "paused_while_returned"
    # The procedure's 標準処理期間 (or the form it is linked to) changed: recomputed.
    PERIOD_CHANGED = "period_changed"


def record_move(
    submission: Submission, old: date | None, new: date | None, *, reason: MoveReason, actor: str
) -> None:
    """The ledger event of a due date that moved (call inside the transaction that saves it).

    Dates and a reason code only: nothing about the applicant."""
    if old == new:
        return
    events.record(
        events.Event.DUE_DATE_CHANGED,
        actor=actor,
        subject=events.submission_subject(submission.public_id),
        detail={
            "from": old.isoformat() if old else "",
            "to": new.isoformat() if new else "",
            "reason": reason.value,
        },
    )
