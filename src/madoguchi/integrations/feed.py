"""The change feed: one FeedEntry per event about an application, in the transaction that made it.

The sources are the ports of the apps below:

- ``submissions.after_submit``: ``SUBMITTED`` (and the submission's :class:`SubjectIndex`);
- ``submissions.status_hooks``: ``STATUS_CHANGED``, or ``RESUBMITTED`` when the applicant
  sends a returned application back (差し戻し → 再提出);
- ``core.events``: ``payment.*`` (``PAYMENT``, the payment's submission), ``mail.arrived``
  (``MAIL_ARRIVED``, the submission named by its subject) and ``counter.checked_in``
  (``COUNTER_CHECKED_IN``, no submission yet: the pre-registration's department and reference).

Ordering: the cursor is ``FeedEntry.id``. Every entry is written after the ledger append of
its transaction (the ledger subscribed to ``core.events`` before this app, and the hooks run
after their event is recorded). The ledger holds its head row locked until commit, so on
PostgreSQL two transactions that write feed rows take their ids one after the other and
commit in that order: a reader that saw id n never later finds an uncommitted id below n.

A payment requested while a submission is made (a fee asked at submit) is recorded before
this app's ``after_submit`` hook runs; the payment subscriber then writes the ``SUBMITTED``
entry first, so a feed always shows an application's submission before anything about it.

Listeners (the webhooks) are called with each new entry, in the same transaction.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.utils import timezone

from madoguchi.core import events
from madoguchi.counter.models import Preregistration
from madoguchi.payments.models import Payment
from madoguchi.submissions import after_submit, status_hooks
from madoguchi.submissions.models import Status, StatusChange, Submission

from .models import FeedEntry, FeedKind, SubjectIndex

logger = logging.getLogger("madoguchi.integrations")

Listener = Callable[[FeedEntry], None]
_listeners: dict[str, Listener] = {}


def add_listener(name: str, listener: Listener) -> None:
    """Call ``listener`` with every new entry, inside its transaction (replaces ``name``)."""
    _listeners[name] = listener


def write_entry(
    *,
    kind: FeedKind,
    submission: Submission | None,
    department_id: int,
    municipality_id: int,
    status: str = "",
    reference: str = "",
) -> FeedEntry:
    """Append one entry (call inside the transaction of the change, after its event)."""
    entry = FeedEntry.objects.create(
        municipality_id=municipality_id,
        department_id=department_id,
        submission=submission,
        kind=kind,
        at=timezone.now(),
        status=status,
        reference=reference,
    )
    for listener in _listeners.values():
        listener(entry)
    return entry


def _for_submission(kind: FeedKind, submission: Submission, *, reference: str = "") -> FeedEntry:
    return write_entry(
        kind=kind,
        submission=submission,
        department_id=submission.department_id,
        municipality_id=submission.municipality_id,
        status=submission.status,
        reference=reference,
    )


def on_submitted(submission: Submission) -> after_submit.Then:
    """after_submit hook, run before the others (a fee asked while submitting records its
    payment event from payments' hook): the submission's subject in the index now, before the
    ledger's lock; its ``SUBMITTED`` entry after the event, whose lock orders the feed."""
    SubjectIndex.objects.create(
        subject=events.submission_subject(submission.public_id), submission=submission
    )
    return functools.partial(_for_submission, FeedKind.SUBMITTED, submission)


def on_status_changed(submission: Submission, change: StatusChange) -> None:
    """status hook: ``RESUBMITTED`` for the applicant's resubmission, else ``STATUS_CHANGED``."""
    resubmitted = change.from_status == Status.RETURNED and change.to_status == Status.RESUBMITTED
    kind = FeedKind.RESUBMITTED if resubmitted else FeedKind.STATUS_CHANGED
    _for_submission(kind, submission)


def submission_for_subject(subject: str) -> Submission | None:
    """The submission whose ledger subject is ``subject`` (None when it is not indexed)."""
    index = SubjectIndex.objects.filter(subject=subject).select_related("submission").first()
    return index.submission if index is not None else None


def on_event(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
    """core.events subscriber (after the ledger's): payments, mail arrivals, check-ins."""
    if event.value.startswith("payment."):
        payment = (
            Payment.objects.filter(public_id=detail.get("payment", ""))
            .select_related("submission")
            .first()
        )
        if payment is None:
            logger.warning("feed: payment event %s without a known payment", event.value)
            return
        _for_submission(FeedKind.PAYMENT, payment.submission, reference=str(payment.public_id))
    elif event == events.Event.MAIL_ARRIVED:
        found = submission_for_subject(detail.get("submission", ""))
        if found is None:
            logger.warning("feed: mail arrival of an unindexed submission")
            return
        _for_submission(FeedKind.MAIL_ARRIVED, found, reference=detail.get("reference", ""))
    elif event == events.Event.COUNTER_CHECKED_IN:
        preregistration = Preregistration.objects.filter(
            reference=detail.get("reference", "")
        ).first()
        if preregistration is None:
            logger.warning("feed: check-in of an unknown pre-registration")
            return
        write_entry(
            kind=FeedKind.COUNTER_CHECKED_IN,
            submission=None,
            department_id=preregistration.department_id,
            municipality_id=preregistration.municipality_id,
            reference=preregistration.reference,
        )


def connect() -> None:
    """Plug the feed into the ports (once; the events subscriber after the ledger's)."""
    after_submit.register_prepared("integrations.feed", on_submitted, first=True)
    status_hooks.register("integrations.feed", on_status_changed)
    if on_event not in events._subscribers:
        events.subscribe(on_event)
    from . import webhooks

    webhooks.connect()
