"""The seam where security-relevant events leave the domain.

Services call :func:`record` inside their transaction. Today events are logged with
pseudonymous subjects only; the audit ledger (Merkle log) subscribes here later,
so no service has to change when it arrives.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger("madoguchi.events")


class Event(enum.StrEnum):
    STAFF_LOGIN = "staff.login"
    STAFF_LOGIN_FAILED = "staff.login_failed"
    STAFF_LOCKED = "staff.locked"
    STAFF_OTP_ENROLLED = "staff.otp_enrolled"
    SUBMITTED = "submission.submitted"
    STAFF_VIEWED = "submission.viewed"
    FORM_PUBLISHED = "form.published"
    IDENTITY_VERIFIED = "identity.verified"


Subscriber = Callable[[Event, str, str, dict[str, str]], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    _subscribers.append(subscriber)


def pseudonym(kind: str, identifier: object) -> str:
    """A stable, non-reversible name for a person or record (keyed with SECRET_KEY)."""
    digest = hashlib.blake2b(
        f"{kind}:{identifier}".encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=12
    )
    return f"{kind}:{digest.hexdigest()}"


def record(event: Event, *, actor: str, subject: str, detail: dict[str, str] | None = None) -> None:
    """Record an event. ``actor`` and ``subject`` must already be pseudonyms or public ids."""
    detail = detail or {}
    logger.info("event %s actor=%s subject=%s", event.value, actor, subject)
    for subscriber in _subscribers:
        subscriber(event, actor, subject, detail)
