"""The LGWAN node's way back: status changes made by staff here go to the internet node.

A status change by a staff member on a pulled application is recorded as a ``PendingPush``
in the change's own transaction (a ``submissions.status_hooks`` hook, on the LGWAN node
only); ``madoguchi lgwan_sync`` sends them in order through the system API's
``POST applications/{id}/status`` with an idempotency key, on the connection the LGWAN node
opened. Changes without a staff actor (those the pull itself applied, from the internet
node) are not sent back.

A return for correction (差し戻し, status RETURNED) goes through
``POST applications/{id}/returns`` with the local Correction's fields and reason: the internet
node opens its own correction and emails the resident the link; the id it gives its correction
is kept (``MirroredCorrection``), and the resident's resend comes back by the pull (:mod:`.mirror`).

A change the internet node refuses (409/422: a move its workflow does not allow there) is
given up, with the later changes
of the same application, and the internet node's status is taken back here: the two nodes
never disagree for long, and the refusal is recorded on the change and the pull source.
A server error or no answer leaves every change waiting for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import requests
from django.db.models import QuerySet
from django.utils import timezone

from madoguchi.submissions.models import Correction, Status, StatusChange, Submission

from . import node
from .models import MirroredCorrection, MirroredSubmission, PendingPush, PullSource

if TYPE_CHECKING:
    from .pull import SourceClient

logger = logging.getLogger("madoguchi.integrations.push")


class PushError(Exception):
    """The internet node could not be reached: the whole push waits for the next run."""


def record_pending(submission: Submission, change: StatusChange) -> None:
    """The status hook: a staff member's change of a pulled application, to send back."""
    if not node.is_lgwan() or change.actor_id is None:
        return
    if MirroredSubmission.objects.filter(submission=submission).exists():
        PendingPush.objects.create(submission=submission, change=change)


def connect() -> None:
    from madoguchi.submissions import status_hooks

    status_hooks.register("integrations.push", record_pending)


def idempotency_key(push: PendingPush, remote_public_id: object) -> str:
    """The same for every retry of one change, different for every change."""
    return f"lgwan-{remote_public_id}-{push.change_id}"


REFUSED = "refused: "


def waiting(submission_ids: Iterable[int]) -> QuerySet[PendingPush]:
    """Changes not sent yet and not given up, oldest first."""
    return (
        PendingPush.objects.filter(submission_id__in=submission_ids, pushed_at__isnull=True)
        .exclude(last_error__startswith=REFUSED)
        .select_related("change")
        .order_by("change__at", "change_id")
    )


@dataclass
class PushResult:
    sent: int = 0
    # Remote public ids whose change the internet node refused; their state is taken back.
    refused: dict[str, str] = field(default_factory=dict)


def push_pending(source: PullSource, client: SourceClient) -> PushResult:
    """Send this source's waiting changes, oldest first.

    A change the internet node refuses (4xx: its workflow does not allow it there) is given
    up with the changes made after it on the same application, which were made on top of
    it; the caller then takes the internet node's status back. A server error or no answer
    stops the push (``PushError``): everything waits for the next run.
    """
    from .pull import PullError, _code

    mirrors = dict(
        MirroredSubmission.objects.filter(source=source).values_list(
            "submission_id", "remote_public_id"
        )
    )
    result = PushResult()
    given_up: set[int] = set()
    for push in waiting(mirrors):
        remote_id = str(mirrors[push.submission_id])
        if push.submission_id in given_up:
            push.last_error = f"{REFUSED}an earlier change of this application was refused"
            push.save(update_fields=["last_error"])
            continue
        correction = _correction_of(push) if push.change.to_status == Status.RETURNED else None
        try:
            if correction is not None:
                response = client.request(
                    "POST",
                    f"applications/{remote_id}/returns",
                    what=f"return of {remote_id}",
                    body={
                        "fields": list(correction.fields),
                        "reason": correction.reason,
                        "idempotency_key": idempotency_key(push, remote_id),
                    },
                )
            else:
                response = client.request(
                    "POST",
                    f"applications/{remote_id}/status",
                    what=f"status of {remote_id}",
                    body={
                        "status": push.change.to_status,
                        "message": push.change.reason,
                        "idempotency_key": idempotency_key(push, remote_id),
                    },
                )
        except PullError as error:
            raise PushError(str(error)) from None
        push.attempts += 1
        if response.status_code in (200, 201, 204):
            if correction is not None:
                _keep_remote_correction(correction, response, remote_id)
            push.pushed_at = timezone.now()
            push.last_error = ""
            push.save(update_fields=["attempts", "pushed_at", "last_error"])
            result.sent += 1
            logger.info("pushed change %s of %s to %s", push.change_id, remote_id, source.name)
            continue
        problem = f"HTTP {response.status_code} {_code(response)}".strip()
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            push.last_error = problem[:200]
            push.save(update_fields=["attempts", "last_error"])
            raise PushError(f"status of {remote_id}: {problem}")
        push.last_error = f"{REFUSED}{problem}"[:200]
        push.save(update_fields=["attempts", "last_error"])
        given_up.add(push.submission_id)
        result.refused[remote_id] = f"change {push.change_id} of {remote_id}: {problem}"
        logger.warning(
            "change %s of %s refused by %s: %s", push.change_id, remote_id, source.name, problem
        )
    return result


def _correction_of(push: PendingPush) -> Correction | None:
    """The local correction a RETURNED change opened (made just before it, in its transaction)."""
    return (
        Correction.objects.filter(
            submission_id=push.submission_id, requested_at__lte=push.change.at
        )
        .order_by("-requested_at", "-pk")
        .first()
    )


def _keep_remote_correction(
    correction: Correction, response: requests.Response, remote_id: str
) -> None:
    """The internet node's id for the correction, so its resend is applied to this one."""
    try:
        answer = response.json()
        taken = answer["correction"]
        remote_correction = str(taken["id"])
    except (ValueError, KeyError, TypeError):
        raise PushError(f"return of {remote_id}: no correction in the answer") from None
    if not remote_correction or len(remote_correction) > 64:
        raise PushError(f"return of {remote_id}: the correction's id is not usable")
    MirroredCorrection.objects.update_or_create(
        correction=correction,
        defaults={
            "submission_id": correction.submission_id,
            "remote_id": remote_correction,
            "returned_at": timezone.now(),
        },
    )
