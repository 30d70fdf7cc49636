"""On the LGWAN node: the resident's resent corrections, applied to the local copy.

A return for correction made here is taken by the internet node (:mod:`.push`); when the
resident resends it there, the pull brings the corrected answers (opened with this node's
keyring when sealed) and they are applied to the local submission through the LGWAN node's
own open Correction (submissions.corrections.apply_correction): the replaced answers go into
the correction's history, the local document is made again, the status becomes RESUBMITTED
(a change without a staff actor, so not pushed back). A return made on the internet node (its
staff, another back-office system) gets a Correction here when its resend is applied, for
the same history. Every resend not applied yet is applied, oldest first: several can wait
when they were resent between two runs or before this node first pulled the application
(:func:`catch_up`). Each is applied once (``MirroredCorrection``).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.utils import timezone

from madoguchi.submissions import corrections, document, services, workflow
from madoguchi.submissions.models import Correction, Status, Submission

from . import push
from .models import MirroredCorrection, PendingPush
from .pulled import (
    MirrorError,
    Pulled,
    PulledCorrection,
    attach,
    attach_to_correction,
    with_local_file_ids,
)

# What a correction made elsewhere changes here (:func:`_apply_from_elsewhere`).
REMADE = "remade"  # the reopened answers and new files, the document made again
ANSWERS_ONLY = "answers"  # the reopened answers; files and document taken by the caller
NOTHING = "nothing"  # already in the pulled content (a clear application's first pull)

BY_INTERNET_NODE = {"by": "internet_node"}
# The ledger's actor of what the pull records (not the resident's, not a staff member's).
PULL_ACTOR = "system:lgwan_pull"
# Correction.requested_by_system of a return made on the internet node (its staff or a
# back-office system there: the system API does not say which).
INTERNET_NODE = "internet_node"


def has_unsent_changes(submission: Submission) -> bool:
    return push.waiting([submission.pk]).exists()


def applied_corrections() -> set[str]:
    """The internet node's ids of the corrections whose resend is applied here."""
    return set(
        MirroredCorrection.objects.filter(applied_at__isnull=False).values_list(
            "remote_id", flat=True
        )
    )


def _local_correction(
    submission: Submission, resent: PulledCorrection
) -> tuple[Correction | None, bool]:
    """The correction made here that ``resent`` answers (None when it was made on the
    internet node, by another back-office system), and whether it is applied already."""
    row = (
        # of=self: PostgreSQL cannot lock the nullable side of the outer join to correction.
        MirroredCorrection.objects.select_for_update(of=("self",))
        .select_related("correction")
        .filter(remote_id=resent.remote_id)
        .first()
    )
    if row is not None:
        if row.submission_id != submission.pk:
            raise MirrorError(f"correction {resent.remote_id} belongs to another application")
        return row.correction, row.applied_at is not None
    # Taken by the internet node but its answer lost (the push is replayed next run): the
    # application's open correction here with the same questions, its return not given up.
    found = (
        Correction.objects.filter(submission=submission, resubmitted_at__isnull=True)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if (
        found is not None
        and list(found.fields) == list(resent.fields)
        # Returned there before this node's return was made: another one (from elsewhere).
        and (resent.requested_at is None or resent.requested_at >= found.requested_at)
        and not MirroredCorrection.objects.filter(correction=found).exists()
        and not PendingPush.objects.filter(
            submission=submission,
            change__to_status=Status.RETURNED,
            change__at__gte=found.requested_at,
            last_error__startswith=push.REFUSED,
        ).exists()
    ):
        return found, False
    return None, False


def apply_correction(
    submission: Submission, pulled: Pulled, resent: PulledCorrection, ids: dict[int, int]
) -> bool:
    """Apply the resident's resend to the local submission; False when already applied, or
    when the caller is to take the content as the internet node has it (signed forms).
    ``ids`` maps the internet node's file ids to this node's; the files made here are added."""
    local, applied = _local_correction(submission, resent)
    if applied:
        return False
    if local is None:
        if _signed(submission):
            _apply_from_elsewhere(submission, pulled, resent, ids, content=ANSWERS_ONLY)
            return False
        _apply_from_elsewhere(submission, pulled, resent, ids, content=REMADE)
        return True
    if local.resubmitted_at is not None or submission.status != Status.RETURNED:
        raise MirrorError(
            f"application {pulled.public_id}: correction {resent.remote_id} cannot be applied "
            f"here (local status {submission.status})"
        )
    if corrections.needs_signature(local):
        # Signed again on the internet node (only a clear application of a signed form is
        # returned): its new document is the signed one, which this node cannot make. The
        # application is taken as the internet node has it (the caller replaces the content
        # and takes its status); this node's correction stays without its history.
        _taken(submission, resent.remote_id, local)
        return False
    new = attach_to_correction(local, resent.files)
    ids |= new
    reopened = {key: resent.answers[key] for key in local.fields if key in resent.answers}
    answers = submission.answers | with_local_file_ids(reopened, new | kept(submission, pulled))
    try:
        corrections.apply_correction(correction=local, answers=answers)
    except workflow.WorkflowRefused as refused:
        raise MirrorError(
            f"application {pulled.public_id}: correction {resent.remote_id} refused here: "
            f"{refused.code}"
        ) from None
    _taken(submission, resent.remote_id, local)
    return True


def kept(submission: Submission, pulled: Pulled) -> dict[int, int]:
    """Files the resident kept are the submission's own: the internet node's ids of the
    pulled application's files, matched here by field and SHA-256."""
    here = {(a.field_key, a.sha256): a.pk for a in submission.attachments.all()}
    return {
        item.remote_id: here[(item.field, item.sha256)]
        for item in pulled.files
        if (item.field, item.sha256) in here
    }


def _signed(submission: Submission) -> bool:
    """A signed form's correction is signed again on the internet node (as a whole document,
    which this node cannot make): its content is taken as the internet node has it."""
    return bool(submission.form_version.schema.identity == "mynumber_sign")


def _apply_from_elsewhere(
    submission: Submission,
    pulled: Pulled,
    resent: PulledCorrection,
    ids: dict[int, int],
    *,
    content: str,
    before: dict[str, Any] | None = None,
) -> None:
    """A resend of a return made on the internet node (by its staff or another back-office
    system, or before this node pulled the application): no correction of this node's to
    apply it through, so one is recorded here, already resent, for the history (reason,
    questions, the answers it replaced, the files it superseded), with the RETURNED (its
    reason) and RESUBMITTED steps, and the reopened answers and new files replace the
    application's own and its document is made again (``content``). ``before``: the answers
    it replaced, when they are not the local ones (a clear application's first pull).
    While a change made here waits to be pushed, the local status stays (as in
    :func:`.mirror.store`): the steps are left out."""
    steps = not has_unsent_changes(submission)
    if steps and submission.status != Status.RETURNED:
        workflow.record_change(
            submission,
            Status.RETURNED,
            staff=None,
            reason=resent.reason,
            extra=BY_INTERNET_NODE,
            actor=PULL_ACTOR,
        )
    now = timezone.now()
    local = Correction.objects.create(
        submission=submission,
        reason=resent.reason[:2000],
        fields=list(resent.fields),
        requested_by_system=INTERNET_NODE,
        requested_at=resent.requested_at or now,
        # The resident's link is the internet node's: this one is never handed out.
        token_hash=services.hash_token(secrets.token_urlsafe(24)),
        expires_at=now,
        resubmitted_at=resent.resubmitted_at or now,
        previous_answers=dict(submission.answers) if before is None else before,
        previous_document_sha256=submission.document_sha256 if before is None else "",
    )
    reopened = {key: value for key, value in resent.answers.items() if key in resent.fields}
    if content == REMADE:
        for item in resent.files:
            if item.remote_id not in ids:
                ids[item.remote_id] = attach(submission, [item])[item.remote_id]
    if content in (REMADE, ANSWERS_ONLY):
        # A signed form's new files come with the content the caller takes: named only here.
        local_ids = with_local_file_ids(reopened, ids, known_only=content == ANSWERS_ONLY)
        submission.answers = submission.answers | local_ids
        submission.save(update_fields=["answers"])
    if content == REMADE:
        # The files of reopened questions the answers no longer name leave the application
        # for the correction's history, as a correction applied here does.
        named = document.referenced_ids(submission.form_version.schema, submission.answers)
        submission.attachments.filter(field_key__in=reopened).exclude(pk__in=named).update(
            submission=None, superseded_by=local
        )
        key = submission.form_version.schema.applicant_name_field
        if key and key in reopened:
            submission.applicant_name = str(submission.answers.get(key) or "")[:200]
            submission.save(update_fields=["applicant_name"])
        services.refresh_document(submission)
    if steps:
        workflow.record_change(
            submission,
            Status.RESUBMITTED,
            staff=None,
            reason="",
            extra=BY_INTERNET_NODE,
            actor=PULL_ACTOR,
        )
    _taken(submission, resent.remote_id, local)


def catch_up(submission: Submission, pulled: Pulled, ids: dict[int, int]) -> Submission:
    """The corrections resent before this node first pulled the application, oldest first.

    Sealed: the pulled content is the application as first submitted; each correction is
    applied to it in turn (its answers, its files, the document made again). Clear: the
    pulled content already has them all; each is recorded for the history, with the answers
    it replaced as far as the internet node serves them (the earlier corrections' answers;
    the answer a question had before its first correction is not served, and left empty).
    """
    if pulled.sealed:
        for resent in pulled.corrections:
            _apply_from_elsewhere(submission, pulled, resent, ids, content=REMADE)
            submission = workflow.lock_submission(submission)
        return submission
    current = dict(submission.answers)
    for index, resent in enumerate(pulled.corrections):
        before = dict(current)
        for later in pulled.corrections[index:]:
            for key in later.fields:
                before.pop(key, None)
        for earlier in pulled.corrections[:index]:
            reopened = {k: v for k, v in earlier.answers.items() if k in earlier.fields}
            before |= with_local_file_ids(reopened, ids, known_only=True)
        _apply_from_elsewhere(submission, pulled, resent, ids, content=NOTHING, before=before)
        submission = workflow.lock_submission(submission)
    return submission


def _taken(submission: Submission, remote_id: str, local: Correction | None) -> None:
    MirroredCorrection.objects.update_or_create(
        remote_id=remote_id,
        defaults={
            "submission": submission,
            "correction": local,
            "returned_at": local.requested_at if local is not None else timezone.now(),
            "applied_at": timezone.now(),
        },
    )
