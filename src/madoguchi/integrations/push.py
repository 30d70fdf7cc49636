"""The LGWAN node's way back: status changes made by staff here go to the internet node.

A status change by a staff member on a pulled application is recorded as a ``PendingPush``
in the change's own transaction (a ``submissions.status_hooks`` hook, on the LGWAN node
only); ``madoguchi lgwan_sync`` sends them in order through the system API's
``POST applications/{id}/status`` with an idempotency key, on the connection the LGWAN node
opened. Changes without a staff actor (those the pull itself applied, from the internet
node) are not sent back.

A change the internet node refuses (409/422: a move its workflow does not allow, such as a
return for correction, which needs the resident's link on the internet side) stays waiting
with its error; later changes of the same application wait behind it, so they never arrive
out of order. Other applications' changes still go.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.utils import timezone

from madoguchi.submissions.models import StatusChange, Submission

from . import node
from .models import MirroredSubmission, PendingPush, PullSource

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


def push_pending(source: PullSource, client: SourceClient) -> int:
    """Send this source's waiting changes, oldest first; the number sent."""
    from .pull import PullError, _code

    mirrors = dict(
        MirroredSubmission.objects.filter(source=source).values_list(
            "submission_id", "remote_public_id"
        )
    )
    waiting = (
        PendingPush.objects.filter(submission_id__in=mirrors, pushed_at__isnull=True)
        .select_related("change")
        .order_by("change__at", "change_id")
    )
    blocked: set[int] = set()
    sent = 0
    for push in waiting:
        if push.submission_id in blocked:
            continue
        remote_id = mirrors[push.submission_id]
        try:
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
            push.pushed_at = timezone.now()
            push.last_error = ""
            push.save(update_fields=["attempts", "pushed_at", "last_error"])
            sent += 1
            logger.info("pushed change %s of %s to %s", push.change_id, remote_id, source.name)
            continue
        push.last_error = f"HTTP {response.status_code} {_code(response)}"[:200]
        push.save(update_fields=["attempts", "last_error"])
        blocked.add(push.submission_id)
        logger.warning(
            "change %s of %s refused by %s: %s",
            push.change_id,
            remote_id,
            source.name,
            push.last_error,
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise PushError(f"status of {remote_id}: {push.last_error}")
    return sent
