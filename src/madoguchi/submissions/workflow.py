"""Writes of the review workflow: status changes, assignment, comments, 差し戻し, results.

Every change is one transaction holding the submission's row lock, one ``StatusChange``
row (who, when, why) and one ledger event; the resident is emailed after commit, in the
language they applied in. The resident's side of a 差し戻し (checking and resending the
corrected answers) is :mod:`.corrections`.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import due_dates, filenames, filetypes, notifications, sealed, status_hooks, uploads
from .models import (
    Comment,
    Correction,
    ResultDocument,
    StatusChange,
    Submission,
)
from .models import Status as S
from .services import hash_token

# Where staff may move a submission from each status. The resident's own move
# (returned → resubmitted) is not here: only a resubmission makes it.
REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.IN_REVIEW, S.RETURNED, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.RETURNED, S.APPROVED, S.REJECTED}),
    S.RETURNED: frozenset({S.IN_REVIEW}),
    S.RESUBMITTED: frozenset({S.IN_REVIEW, S.RETURNED, S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.COMPLETED}),
    S.REJECTED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
# Forms without review (surveys, simple notifications) are received, then completed.
SIMPLE_TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
# The applicant may withdraw (取下げ) until a decision is taken; staff never do it for them.
WITHDRAWABLE = frozenset({S.RECEIVED, S.IN_REVIEW, S.RETURNED, S.RESUBMITTED})
NEEDS_REASON = frozenset({S.RETURNED, S.REJECTED})
CORRECTION_DAYS = 30
COMMENT_MAX_LENGTH = 4000


class WorkflowRefused(Refused):
    """The change is not allowed; ``message`` says why in the staff member's language.

    ``messages`` holds every problem found in what the staff member entered, so the page
    shows them all at once rather than one per attempt.
    """

    code = "workflow_refused"
    message: str

    def __init__(self, message: str, *more: str) -> None:
        super().__init__(message)
        self.messages = [message, *more]


def allowed_transitions(submission: Submission) -> frozenset[str]:
    table = REVIEW_TRANSITIONS if submission.form_version.schema.review else SIMPLE_TRANSITIONS
    return table.get(submission.status, frozenset())


def _check_staff(staff: StaffMember, submission: Submission) -> None:
    if not staff.can_act:
        raise WorkflowRefused(_("Your role can read submissions but not change them."))
    if not visible_departments(staff).filter(pk=submission.department_id).exists():
        # Same answer as for a submission that does not exist: nothing is revealed.
        raise WorkflowRefused(_("This submission was not found."))


def lock_submission(submission: Submission) -> Submission:
    """The submission again, its row locked until the caller's transaction ends.

    Only its own row (``of=("self",)``): the joined city, department and form version rows
    stay unlocked, or two status changes in one department (or one with a change of the
    city's inventory) could lock them in opposite orders and deadlock on PostgreSQL."""
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("form_version", "department", "municipality")
        .get(pk=submission.pk)
    )


def record_change(
    submission: Submission,
    to_status: str,
    *,
    staff: StaffMember | None,
    reason: str,
    extra: dict[str, str] | None = None,
    actor: str = "",
) -> StatusChange:
    """``actor``: the ledger's actor when it is neither staff nor the resident (a system
    client's pseudonym); by default the staff member's pseudonym, or "resident"."""
    change = StatusChange.objects.create(
        submission=submission,
        from_status=submission.status,
        to_status=to_status,
        actor=staff,
        reason=reason,
        at=timezone.now(),
    )
    submission.status = to_status
    submission.save(update_fields=["status"])
    events.record(
        events.Event.STATUS_CHANGED,
        actor=actor or (events.pseudonym("staff", staff.pk) if staff else "resident"),
        subject=events.submission_subject(submission.public_id),
        detail={
            "department": submission.department.code,
            "from": change.from_status,
            "to": change.to_status,
        }
        | (extra or {}),
    )
    status_hooks.run(submission, change)
    return change


def change_status(
    *, submission: Submission, to_status: str, staff: StaffMember, reason: str = ""
) -> StatusChange:
    """Move a submission along its workflow; raises WorkflowRefused with what to fix."""
    return _change_status(submission, to_status, reason, staff=staff)


def change_status_by_system(
    *, submission: Submission, to_status: str, actor: str, reason: str = ""
) -> StatusChange:
    """A status set by a back-office system through the system API (madoguchi.integrations).

    The same transitions and reasons as staff (``change_status``); the caller has checked
    that the system's client may see the submission. ``actor`` is the client's pseudonym;
    the ledger event carries ``by: system`` so the resident's history names the system.
    The resident is emailed as for a staff change, with ``reason`` as the message.
    """
    return _change_status(submission, to_status, reason, actor=actor, extra={"by": "system"})


def _change_status(
    submission: Submission,
    to_status: str,
    reason: str,
    *,
    staff: StaffMember | None = None,
    actor: str = "",
    extra: dict[str, str] | None = None,
) -> StatusChange:
    """Staff's and systems' one path: the checks, the change under the row lock, the email."""
    reason = reason.strip()
    if to_status not in S.values:
        raise WorkflowRefused(_("Choose the new status."))
    if to_status == S.RETURNED:
        raise WorkflowRefused(_("Use “Return for correction” to name the fields to fix."))
    if to_status in NEEDS_REASON and not reason:
        raise WorkflowRefused(_("Give a reason. The applicant will read it."))
    with transaction.atomic():
        current = lock_submission(submission)
        if staff is not None:
            _check_staff(staff, current)
        if to_status not in allowed_transitions(current):
            raise WorkflowRefused(
                _("A submission that is “%(current)s” cannot become “%(target)s”.")
                % {"current": S(current.status).label, "target": S(to_status).label}
            )
        change = record_change(
            current, to_status, staff=staff, reason=reason, extra=extra, actor=actor
        )
        transaction.on_commit(lambda: notifications.send_status_update(current, change))
    submission.status = current.status
    return change


def can_withdraw(submission: Submission) -> bool:
    return submission.status in WITHDRAWABLE


def withdraw(*, submission: Submission) -> StatusChange:
    """取下げ: the applicant takes the application back before a decision.

    Recorded like any other step (``StatusChange`` without a staff actor, a ledger event
    by "resident"); an open return for correction is closed with it, so its link stops
    working. Raises WorkflowRefused once a decision was taken.
    """
    with transaction.atomic():
        current = lock_submission(submission)
        if not can_withdraw(current):
            raise WorkflowRefused(
                _(
                    "This application can no longer be withdrawn: a decision was already "
                    "taken. Please contact the department."
                )
            )
        now = timezone.now()
        Correction.objects.filter(
            submission=current, resubmitted_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        change = record_change(
            current, S.WITHDRAWN, staff=None, reason="", extra={"by": "applicant"}
        )
        transaction.on_commit(lambda: notifications.send_status_update(current, change))
    submission.status = current.status
    return change


@dataclass
class BulkResult:
    changed: list[str] = field(default_factory=list)
    # Receipt number → why it was not changed.
    refused: dict[str, str] = field(default_factory=dict)


def change_status_bulk(
    *, submissions: Iterable[Submission], to_status: str, staff: StaffMember, reason: str = ""
) -> BulkResult:
    """The same change for many submissions; each one succeeds or is refused on its own."""
    result = BulkResult()
    for submission in submissions:
        try:
            change_status(submission=submission, to_status=to_status, staff=staff, reason=reason)
        except WorkflowRefused as refused:
            result.refused[submission.receipt_number] = refused.message
        else:
            result.changed.append(submission.receipt_number)
    return result


def return_for_correction(
    *, submission: Submission, staff: StaffMember, reason: str, fields: list[str]
) -> tuple[Correction, str]:
    """差し戻し: reopen some answers for the applicant; returns the correction and its link token.

    Fields the My Number Card filled in stay locked: the card, not the applicant, is the
    source of those answers.
    """
    return _return(submission, reason, fields, staff=staff)


def return_for_correction_by_system(
    *, submission: Submission, actor: str, reason: str, fields: list[str]
) -> tuple[Correction, str]:
    """差し戻し by a back-office system through the system API (madoguchi.integrations).

    The same rules as staff (``return_for_correction``); the caller has checked that the
    system's client may see the submission. ``actor`` is the client's pseudonym, kept on the
    correction (``requested_by_system``); the ledger event carries ``by: system``. The
    resident gets the same email with the correction link.
    """
    return _return(submission, reason, fields, actor=actor)


def check_return(submission: Submission, *, reason: str, fields: list[str]) -> list[str]:
    """The reopened keys (deduplicated, in order) of a well-formed request to return
    ``submission``; raises WorkflowRefused with every problem of the request itself (what
    the submission's status allows is checked under its row lock)."""
    reason = reason.strip()
    schema = submission.form_version.schema
    known = {f.key for f in schema.fields() if f.collects_input}
    chosen = [key for key in dict.fromkeys(fields) if key]
    missing = [
        *([] if reason else [_("Give a reason. The applicant will read it.")]),
        *([] if chosen else [_("Choose at least one answer the applicant should correct.")]),
    ]
    if missing:
        raise WorkflowRefused(*missing)
    unknown = [key for key in chosen if key not in known]
    if unknown:
        raise WorkflowRefused(_("This form has no question “%(key)s”.") % {"key": unknown[0]})
    locked = [key for key in chosen if key in submission.prefilled_fields]
    if locked:
        raise WorkflowRefused(
            _("“%(label)s” comes from the My Number Card and cannot be reopened.")
            % {"label": schema.field(locked[0]).label.get(submission.language)}
        )
    return chosen


def _return(
    submission: Submission,
    reason: str,
    fields: list[str],
    *,
    staff: StaffMember | None = None,
    actor: str = "",
) -> tuple[Correction, str]:
    """Staff's and systems' one path of 差し戻し (like ``_change_status``)."""
    chosen = check_return(submission, reason=reason, fields=fields)
    reason = reason.strip()
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        current = lock_submission(submission)
        if staff is not None:
            _check_staff(staff, current)
        if S.RETURNED not in allowed_transitions(current):
            raise WorkflowRefused(
                _("A submission that is “%(current)s” cannot be returned for correction.")
                % {"current": S(current.status).label}
            )
        if current.form_version.schema.identity == "mynumber_sign" and sealed.is_sealed(current):
            # The corrected application would have to be signed as a whole document, and the
            # whole document exists here only as ciphertext (docs/integration.md).
            raise WorkflowRefused(
                _(
                    "This application is encrypted and signed with the My Number Card: a "
                    "correction would have to be signed again as a whole, which this server "
                    "cannot do without the answers. Reject it with the reason and ask the "
                    "applicant to apply again."
                )
            )
        now = timezone.now()
        correction = Correction.objects.create(
            submission=current,
            reason=reason,
            fields=chosen,
            requested_by=staff,
            requested_by_system=actor if staff is None else "",
            requested_at=now,
            token_hash=hash_token(token),
            expires_at=now + timedelta(days=CORRECTION_DAYS),
        )
        change = record_change(
            current,
            S.RETURNED,
            staff=staff,
            reason=reason,
            actor=actor,
            extra=None if staff is not None else {"by": "system"},
        )
        transaction.on_commit(
            lambda: notifications.send_status_update(current, change, correction_token=token)
        )
    submission.status = current.status
    return correction, token


def assign(
    *, submission: Submission, staff: StaffMember, assignee: StaffMember | None
) -> Submission:
    """Give a submission to a colleague who may see it (or to nobody)."""
    with transaction.atomic():
        current = lock_submission(submission)
        _check_staff(staff, current)
        if assignee is not None and (
            not assignee.can_act
            or not visible_departments(assignee).filter(pk=current.department_id).exists()
        ):
            raise WorkflowRefused(_("This colleague does not work on this department's cases."))
        current.assignee = assignee
        current.save(update_fields=["assignee"])
    return current


def set_due_date(*, submission: Submission, staff: StaffMember, due: date | None) -> Submission:
    with transaction.atomic():
        current = lock_submission(submission)
        _check_staff(staff, current)
        previous = current.due_date
        current.due_date = due
        current.save(update_fields=["due_date"])
        due_dates.record_move(
            current,
            previous,
            due,
            reason=due_dates.MoveReason.STAFF,
            actor=events.pseudonym("staff", staff.pk),
        )
    return current


def add_comment(*, submission: Submission, staff: StaffMember, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise WorkflowRefused(_("Write a comment first."))
    if len(body) > COMMENT_MAX_LENGTH:
        raise WorkflowRefused(
            _("A comment can be at most %(limit)s characters.") % {"limit": COMMENT_MAX_LENGTH}
        )
    _check_staff(staff, submission)
    return Comment.objects.create(submission=submission, author=staff, body=body, at=timezone.now())


RESULT_MAX_BYTES = 20 * 1024 * 1024
DELIVERABLE = frozenset({S.APPROVED, S.REJECTED})


def deliver_result(
    *, submission: Submission, staff: StaffMember, upload: UploadedFile
) -> ResultDocument:
    """電子交付: attach the result (a PDF) for the applicant and complete the submission.

    The applicant is emailed and finds the document on their page; the delivery and the
    document's SHA-256 go into the ledger.
    """
    if upload.size is None or upload.size == 0:
        raise WorkflowRefused(_("The file is empty. Choose the file again."))
    if upload.size > RESULT_MAX_BYTES:
        raise WorkflowRefused(_("The file is too large. Attach a PDF of 20 MB or less."))
    verdict, _kind = filetypes.detect(upload, ["application/pdf"])
    if verdict is not filetypes.Verdict.OK:
        raise WorkflowRefused(_("Only PDF documents can be delivered. Save the result as PDF."))
    problem = uploads.scan_problem(upload, field_key="result")
    if problem is not None:
        raise WorkflowRefused(problem.message)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        current = lock_submission(submission)
        _check_staff(staff, current)
        if current.status not in DELIVERABLE:
            raise WorkflowRefused(
                _("Results can be delivered once the application is approved or rejected.")
            )
        document = ResultDocument.objects.create(
            submission=current,
            file=File(upload, name=f"{uuid.uuid4().hex}.pdf"),
            name=filenames.safe_name(upload.name or "", "application/pdf"),
            size=upload.size,
            content_type="application/pdf",
            sha256=digest.hexdigest(),
            delivered_by=staff,
            delivered_at=timezone.now(),
        )
        events.record(
            events.Event.RESULT_DELIVERED,
            actor=events.pseudonym("staff", staff.pk),
            subject=events.submission_subject(current.public_id),
            detail={"department": current.department.code, "sha256": document.sha256},
        )
        change = record_change(current, S.COMPLETED, staff=staff, reason="")
        transaction.on_commit(
            lambda: notifications.send_status_update(current, change, result=document)
        )
    submission.status = current.status
    return document


def record_result_download(document: ResultDocument) -> None:
    """Remember the first time the applicant fetched their result."""
    ResultDocument.objects.filter(pk=document.pk, first_downloaded_at__isnull=True).update(
        first_downloaded_at=timezone.now()
    )
