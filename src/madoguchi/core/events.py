"""The seam where security-relevant events leave the domain.

Services call :func:`record` inside their transaction. Events are logged with
pseudonymous subjects only, and the audit ledger (Merkle log) subscribes here, so an
event and the change it describes commit or roll back together.

Conventions every caller keeps (the ledger is public evidence and is never edited):

- ``actor`` and ``subject`` are pseudonyms (:func:`pseudonym`) or public identifiers;
- a submission is always the subject ``submission_subject(public_id)``, so that the
  resident's access history can find every event about their data;
- ``detail`` holds only codes and hashes (department code, form id, SHA-256 of a
  document), never names, addresses, answers or e-mail addresses.
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
    SIGNED = "submission.signed"
    STAFF_VIEWED = "submission.viewed"
    STATUS_CHANGED = "submission.status_changed"
    # The due date (処理期限) moved: old and new ISO dates ("" for none) and a reason code
    # (submissions.due_dates.MoveReason), never who applied or why in words.
    DUE_DATE_CHANGED = "submission.due_date_changed"
    EXPORTED = "submission.exported"
    # A department's back-office system read an application (or one of its files) through
    # the system API (madoguchi.integrations). Detail: department code, "by": "system", what.
    SYSTEM_FETCHED = "submission.system_fetched"
    # A back-office system acknowledged an application up to a new cursor of the change feed
    # (POST applications/{id}/ack). Detail: department code, "by": "system", the cursor; an
    # ack of a cursor already acknowledged records nothing.
    SYSTEM_ACKNOWLEDGED = "submission.system_acknowledged"
    RECEIPT_ISSUED = "submission.receipt_issued"
    RESULT_DELIVERED = "submission.result_delivered"
    FORM_PUBLISHED = "form.published"
    CONFIG_CHANGED = "config.changed"
    IDENTITY_VERIFIED = "identity.verified"
    RESIDENT_LOGIN = "resident.login"
    # The mail-in channel: an application prepared for post, its paper arrived, or expired.
    MAIL_PREPARED = "mail.prepared"
    MAIL_ARRIVED = "mail.arrived"
    MAIL_EXPIRED = "mail.expired"
    # The counter channel (窓口): a pre-registration made, checked in or expired; in a
    # visit, answers changed (keys only), identity checked (the level), an application
    # accepted (its subject is the submission) and the visit closed.
    COUNTER_PREREGISTERED = "counter.preregistered"
    COUNTER_CHECKED_IN = "counter.checked_in"
    COUNTER_EXPIRED = "counter.expired"
    COUNTER_EDITED = "counter.edited"
    COUNTER_IDENTITY_CHECKED = "counter.identity_checked"
    COUNTER_ACCEPTED = "counter.accepted"
    COUNTER_VISIT_CLOSED = "counter.visit_closed"
    # Staff-assisted entry at the counter (counter.assisted): the person typed by the clerk
    # (no items, the visit only) and a procedure started and filled with the resident.
    COUNTER_PERSON_ENTERED = "counter.person_entered"
    COUNTER_APPLICATION_ADDED = "counter.application_added"
    # The counter channel's resident display and card (counter.display, counter.card):
    # a display paired to a visit, the resident's confirmation of an application on it,
    # and a card read proven by a JPKI authentication signature (no items, hashes only).
    COUNTER_DISPLAY_PAIRED = "counter.display_paired"
    COUNTER_CONFIRMED = "counter.confirmed"
    COUNTER_CARD_READ = "counter.card_read"
    # Visit reservations (madoguchi.reservations): a visit booked, moved, cancelled, and
    # at the counter the visitor arrived or did not come (subject: the booking's pseudonym).
    RESERVATION_BOOKED = "reservation.booked"
    RESERVATION_CHANGED = "reservation.changed"
    RESERVATION_CANCELLED = "reservation.cancelled"
    RESERVATION_ARRIVED = "reservation.arrived"
    RESERVATION_NO_SHOW = "reservation.no_show"
    # Waiting numbers (呼出番号) at a reserved counter: a number issued, called (or called
    # again), and finished as served or absent (subject: the ticket's id, never a person).
    RESERVATION_TICKET_ISSUED = "reservation.ticket_issued"
    RESERVATION_TICKET_CALLED = "reservation.ticket_called"
    RESERVATION_TICKET_FINISHED = "reservation.ticket_finished"
    # Payments (madoguchi.payments), subject: the submission. Detail: amount, currency,
    # provider and its reference, never card data or the payer's name.
    PAYMENT_REQUESTED = "payment.requested"
    PAYMENT_PAID = "payment.paid"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_EXPIRED = "payment.expired"
    PAYMENT_CANCELLED = "payment.cancelled"
    PAYMENT_REFUND_REQUESTED = "payment.refund_requested"
    PAYMENT_REFUNDED = "payment.refunded"
    # The procedure inventory (madoguchi.catalog, 棚卸), subject: the procedure's public id
    # ("procedure:<lg_code>/<procedure_id>"). Detail: department codes, field names, states and
    # the imported file's SHA-256 and row count, never the texts typed.
    CATALOG_PROCEDURE_CHANGED = "catalog.procedure_changed"
    CATALOG_REVIEWED = "catalog.reviewed"
    CATALOG_IMPORTED = "catalog.imported"
    # Monthly volumes by channel imported from a file (subject: "catalog:<lg_code>"; detail:
    # the file's SHA-256 and the number of rows).
    CATALOG_VOLUMES_IMPORTED = "catalog.volumes_imported"


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


def submission_subject(public_id: object) -> str:
    """The ledger subject of every event about one submission."""
    return pseudonym("submission", public_id)


def record(event: Event, *, actor: str, subject: str, detail: dict[str, str] | None = None) -> None:
    """Record an event. ``actor`` and ``subject`` must already be pseudonyms or public ids."""
    detail = detail or {}
    logger.info("event %s actor=%s subject=%s", event.value, actor, subject)
    for subscriber in _subscribers:
        subscriber(event, actor, subject, detail)
