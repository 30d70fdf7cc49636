"""Writes of the system API's clients: register, rotate or revoke a secret, revoke a client.

A city administrator registers a back-office system for some departments (and optionally
some of their forms); its secret is shown once and only its SHA-256 is kept. Rotation adds a
new secret and gives the old one a grace period, so the system can switch without downtime;
revoking at once (a leaked secret) also ends the client's live tokens. Every change is a
CONFIG_CHANGED ledger event with ids and codes only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.core.refusals import Refused
from madoguchi.forms.models import Form
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Correction, Status, StatusChange, Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole

from .models import (
    AccessToken,
    Acknowledgement,
    ClientScope,
    ClientSecret,
    FeedEntry,
    StatusUpdate,
    SystemClient,
)
from .oauth import digest

# What an idempotent request made: a status change or a correction.
Done = TypeVar("Done", StatusChange, Correction)

# How long the old secret keeps working after a rotation.
GRACE_PERIOD = timedelta(hours=24)


class ClientRefused(Refused):
    code = "client_refused"
    status = 422


@dataclass(frozen=True)
class IssuedSecret:
    """A client and the secret to show once (never stored in clear)."""

    client: SystemClient
    secret: str


def _check_admin(staff: StaffMember) -> None:
    if staff.role != StaffRole.MUNICIPALITY_ADMIN:
        raise ClientRefused(_("Only the city's administrators manage back-office systems."))


def _new_secret(client: SystemClient) -> str:
    secret = secrets.token_urlsafe(32)
    ClientSecret.objects.create(client=client, secret_hash=digest(secret), hint=secret[-4:])
    return secret


def _record(staff: StaffMember, client: SystemClient, change: str, **detail: str) -> None:
    events.record(
        events.Event.CONFIG_CHANGED,
        actor=events.pseudonym("staff", staff.pk),
        subject=f"system_client:{client.client_id}",
        detail={"change": change, **detail},
    )


def register_client(
    *,
    staff: StaffMember,
    name: str,
    departments: list[Department],
    forms: list[Form],
    scope: str,
) -> IssuedSecret:
    """A new client of ``departments`` (and only ``forms``, when any), with its first secret."""
    _check_admin(staff)
    name = name.strip()
    problems = [
        *([] if name else [_("Give the system a name, e.g. 住民記録システム.")]),
        *([] if departments else [_("Choose at least one department.")]),
        *([] if scope in ClientScope.values else [_("Choose what the system may do.")]),
    ]
    if problems:
        raise ClientRefused(problems[0])
    if any(d.municipality_id != staff.municipality_id for d in departments):
        raise ClientRefused(_("Choose departments of your own city."))
    if any(f.department_id not in {d.pk for d in departments} for f in forms):
        raise ClientRefused(_("Choose only forms of the chosen departments."))
    with transaction.atomic():
        client = SystemClient.objects.create(
            municipality=staff.municipality,
            name=name,
            client_id=f"mdg_{secrets.token_hex(12)}",
            scope=scope,
            created_by=staff,
        )
        client.departments.set(departments)
        client.forms.set(forms)
        secret = _new_secret(client)
        _record(
            staff,
            client,
            "registered",
            scope=scope,
            departments=",".join(sorted(d.code for d in departments)),
            forms=",".join(str(f.pk) for f in sorted(forms, key=lambda f: f.pk)),
        )
    return IssuedSecret(client, secret)


def _locked(staff: StaffMember, client: SystemClient) -> SystemClient:
    _check_admin(staff)
    current = SystemClient.objects.select_for_update().get(pk=client.pk)
    if current.municipality_id != staff.municipality_id:
        raise ClientRefused(_("This system was not found."))
    if current.revoked_at is not None:
        raise ClientRefused(_("This system was revoked. Register it again to connect it."))
    return current


def rotate_secret(
    *, staff: StaffMember, client: SystemClient, at_once: bool = False
) -> IssuedSecret:
    """A new secret; the current ones keep working for ``GRACE_PERIOD`` (or stop now)."""
    now = timezone.now()
    with transaction.atomic():
        current = _locked(staff, client)
        live = ClientSecret.objects.filter(client=current, revoked_at__isnull=True)
        if at_once:
            live.update(revoked_at=now)
            AccessToken.objects.filter(client=current, revoked_at__isnull=True).update(
                revoked_at=now
            )
        else:
            live.filter(expires_at__isnull=True).update(expires_at=now + GRACE_PERIOD)
            live.filter(expires_at__gt=now + GRACE_PERIOD).update(expires_at=now + GRACE_PERIOD)
        secret = _new_secret(current)
        _record(staff, current, "secret_rotated", old_secrets="revoked" if at_once else "grace")
    return IssuedSecret(current, secret)


def revoke_secret(*, staff: StaffMember, client: SystemClient, secret_id: int) -> None:
    """Stop one secret now (a leak), with the client's live tokens; the others keep working."""
    now = timezone.now()
    with transaction.atomic():
        current = _locked(staff, client)
        updated = ClientSecret.objects.filter(
            client=current, pk=secret_id, revoked_at__isnull=True
        ).update(revoked_at=now)
        if not updated:
            raise ClientRefused(_("This secret was not found or is already revoked."))
        AccessToken.objects.filter(client=current, revoked_at__isnull=True).update(revoked_at=now)
        _record(staff, current, "secret_revoked", secret=str(secret_id))


def revoke_client(*, staff: StaffMember, client: SystemClient) -> None:
    """The client stops at once: its secrets and tokens no longer work. Kept for the record."""
    now = timezone.now()
    with transaction.atomic():
        current = _locked(staff, client)
        current.revoked_at = now
        current.save(update_fields=["revoked_at"])
        ClientSecret.objects.filter(client=current, revoked_at__isnull=True).update(revoked_at=now)
        AccessToken.objects.filter(client=current, revoked_at__isnull=True).update(revoked_at=now)
        _record(staff, current, "revoked")


# --- what a client does through the system API ---------------------------------------------


class StatusRefused(Refused):
    """A status the workflow does not allow now (409), or a request to fix (422)."""

    code = "status_refused"
    status = 409


def acknowledge(*, client: SystemClient, submission: Submission, cursor: int) -> Acknowledgement:
    """The client took ``submission`` up to feed entry ``cursor`` (one row per client and
    application, moved forward; an older cursor than the one kept changes nothing).

    A new cursor is a ``SYSTEM_ACKNOWLEDGED`` ledger event in the same transaction (the
    client's pseudonym, the department's code and the cursor; no personal data), which the
    resident reads as 「基幹システムが受領を確認しました」. Sending the same or an older cursor
    again (a retry) records nothing, so a system that acknowledges often cannot flood the
    ledger or the resident's history.
    """
    entry = FeedEntry.objects.filter(pk=cursor, submission=submission).first()
    if entry is None:
        raise ClientRefused(
            _(
                "The cursor %(cursor)s is not a change of this application. Send the cursor of "
                "a change you read for it."
            )
            % {"cursor": cursor}
        )
    with transaction.atomic():
        ack, created = Acknowledgement.objects.select_for_update().get_or_create(
            client=client,
            submission=submission,
            defaults={"feed_entry": entry, "at": timezone.now()},
        )
        moved = not created and ack.feed_entry_id < entry.pk
        if moved:
            ack.feed_entry = entry
            ack.at = timezone.now()
            ack.save(update_fields=["feed_entry", "at"])
        if created or moved:
            events.record(
                events.Event.SYSTEM_ACKNOWLEDGED,
                actor=events.pseudonym("system_client", client.client_id),
                subject=events.submission_subject(submission.public_id),
                detail={
                    "department": submission.department.code,
                    "by": "system",
                    "cursor": str(entry.pk),
                },
            )
    return ack


def _once(
    *,
    client: SystemClient,
    key: str,
    submission: Submission,
    fingerprint: str,
    act: Callable[[StatusUpdate], Done],
) -> Done | None:
    """Run ``act`` once per idempotency key; None when the key was seen (answer the replay).

    The key's row is written first in the transaction, so a retry sent while the first is
    running waits on the unique constraint and then gets its answer. A move the workflow
    refuses rolls the key back with it (StatusRefused, 409).
    """
    if StatusUpdate.objects.filter(client=client, key=key).exists():
        return None
    try:
        with transaction.atomic():
            update = StatusUpdate.objects.create(
                client=client,
                key=key,
                submission=submission,
                request_sha256=fingerprint,
                at=timezone.now(),
            )
            try:
                return act(update)
            except workflow.WorkflowRefused as refused:
                raise StatusRefused(refused.message) from refused
    except IntegrityError:
        return None


@dataclass(frozen=True)
class StatusResult:
    change: StatusChange
    # True when the key was seen before: the first answer, nothing changed now.
    replayed: bool


def _request_digest(to_status: str, message: str) -> str:
    return digest(f"{to_status}\n{message.strip()}")


def _replay(client: SystemClient, key: str, fingerprint: str) -> StatusResult:
    earlier = StatusUpdate.objects.select_related("change").get(client=client, key=key)
    if earlier.request_sha256 != fingerprint or earlier.change is None:
        raise ClientRefused(
            _("This idempotency key was used for another request. Use a new key for a new status.")
        )
    return StatusResult(earlier.change, replayed=True)


def set_status(
    *,
    client: SystemClient,
    actor: str,
    submission: Submission,
    to_status: str,
    message: str,
    key: str,
) -> StatusResult:
    """The status a back-office system sets, through the staff's workflow rules.

    Idempotent by ``key``: the key's row is written first in the transaction, so a retry sent
    while the first is running waits on the unique constraint and then gets its answer.
    """
    key = key.strip()
    if not key or len(key) > 100:
        raise ClientRefused(_("Send an idempotency_key of 1 to 100 characters (e.g. a UUID)."))
    if to_status not in Status.values or to_status == Status.RETURNED:
        allowed = ", ".join(s for s in Status.values if s != Status.RETURNED)
        raise ClientRefused(
            _(
                "Send a status the system may set: %(allowed)s. For a return for correction, "
                "send the questions to correct to POST /applications/{id}/returns."
            )
            % {"allowed": allowed}
        )
    if to_status in workflow.NEEDS_REASON and not message.strip():
        raise ClientRefused(_("Send a message: the applicant reads why."))
    fingerprint = _request_digest(to_status, message)

    def change(update: StatusUpdate) -> StatusChange:
        update.change = workflow.change_status_by_system(
            submission=submission, to_status=to_status, actor=actor, reason=message
        )
        update.save(update_fields=["change"])
        return update.change

    done = _once(client=client, key=key, submission=submission, fingerprint=fingerprint, act=change)
    return StatusResult(done, replayed=False) if done else _replay(client, key, fingerprint)


@dataclass(frozen=True)
class ReturnResult:
    correction: Correction
    # True when the key was seen before: the first answer, nothing changed now.
    replayed: bool


def _return_digest(fields: list[str], reason: str) -> str:
    return digest("return\n" + "\n".join(fields) + "\n\n" + reason.strip())


def return_for_correction(
    *,
    client: SystemClient,
    actor: str,
    submission: Submission,
    fields: list[str],
    reason: str,
    key: str,
) -> ReturnResult:
    """差し戻し asked by a back-office system, through the staff's workflow rules
    (submissions.workflow.return_for_correction_by_system); the resident gets the link.

    A request to fix (no reason, no or unknown fields, a field the My Number Card filled in)
    is ClientRefused (422); a return the workflow does not allow now is StatusRefused (409).
    Idempotent by ``key``, like :func:`set_status` (the same table of keys).
    """
    key = key.strip()
    if not key or len(key) > 100:
        raise ClientRefused(_("Send an idempotency_key of 1 to 100 characters (e.g. a UUID)."))
    try:
        chosen = workflow.check_return(submission, reason=reason, fields=fields)
    except workflow.WorkflowRefused as refused:
        raise ClientRefused(refused.message) from refused
    fingerprint = _return_digest(chosen, reason)

    def reopen(update: StatusUpdate) -> Correction:
        update.correction, _token = workflow.return_for_correction_by_system(
            submission=submission, actor=actor, reason=reason, fields=chosen
        )
        update.change = (
            StatusChange.objects.filter(submission=submission, to_status=Status.RETURNED)
            .order_by("-at", "-pk")
            .first()
        )
        update.save(update_fields=["correction", "change"])
        return update.correction

    done = _once(client=client, key=key, submission=submission, fingerprint=fingerprint, act=reopen)
    return ReturnResult(done, replayed=False) if done else _replay_return(client, key, fingerprint)


def _replay_return(client: SystemClient, key: str, fingerprint: str) -> ReturnResult:
    earlier = StatusUpdate.objects.select_related("correction").get(client=client, key=key)
    if earlier.request_sha256 != fingerprint or earlier.correction is None:
        raise ClientRefused(
            _("This idempotency key was used for another request. Use a new key for a new status.")
        )
    return ReturnResult(earlier.correction, replayed=True)
