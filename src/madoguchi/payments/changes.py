"""Every change of a payment's status: under its row lock, with its ledger event.

Services call these inside ``transaction.atomic``. A move goes through
``states.check_move``; a move to the same state changes nothing (a replayed webhook, a
poll after the webhook). What the provider reports is applied only when it is about this
very payment: the same checkout, amount, currency and ``metadata[payment]``; anything
else is a mismatch, logged with ids only, and the payment is left as it was.
"""

from __future__ import annotations

import enum
import logging
from datetime import datetime

from django.utils import timezone

from madoguchi.core import events

from . import receipts
from .models import Payment
from .providers.base import ProviderPayment, RefundState, State
from .states import LATE_FROM, PaymentStatus, can_move, check_move

logger = logging.getLogger("madoguchi.payments")

_EVENTS = {
    PaymentStatus.PENDING: events.Event.PAYMENT_REQUESTED,
    PaymentStatus.PAID: events.Event.PAYMENT_PAID,
    PaymentStatus.FAILED: events.Event.PAYMENT_FAILED,
    PaymentStatus.EXPIRED: events.Event.PAYMENT_EXPIRED,
    PaymentStatus.CANCELLED: events.Event.PAYMENT_CANCELLED,
    PaymentStatus.REFUNDING: events.Event.PAYMENT_REFUND_REQUESTED,
    PaymentStatus.REFUNDED: events.Event.PAYMENT_REFUNDED,
}
_STATES = {
    State.PENDING: PaymentStatus.PENDING,
    State.PAID: PaymentStatus.PAID,
    State.FAILED: PaymentStatus.FAILED,
    State.EXPIRED: PaymentStatus.EXPIRED,
}


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"
    MISMATCH = "mismatch"


def lock(payment: Payment) -> Payment:
    """The payment's row, locked until the transaction ends (call inside atomic)."""
    return Payment.objects.select_for_update().select_related("municipality").get(pk=payment.pk)


def record(payment: Payment, status: str, *, actor: str, **extra: str) -> None:
    """The ledger event of ``payment`` reaching ``status``: ids and amounts only."""
    detail = {
        "payment": str(payment.public_id),
        "amount": str(payment.amount),
        "currency": payment.currency,
        "provider": payment.provider,
        "reference": payment.provider_reference,
        **extra,
    }
    events.record(
        _EVENTS[PaymentStatus(status)],
        actor=actor,
        subject=events.submission_subject(payment.submission.public_id),
        detail=detail,
    )


def move(payment: Payment, target: str, *, actor: str, now: datetime, **extra: str) -> bool:
    """Move a locked payment to ``target`` (its timestamps, save, event); False if there."""
    check_move(payment.status, target)
    if payment.status == target:
        return False
    payment.status = target
    stamp = {
        PaymentStatus.PAID: "paid_at",
        PaymentStatus.FAILED: "failed_at",
        PaymentStatus.EXPIRED: "expired_at",
        PaymentStatus.CANCELLED: "cancelled_at",
        PaymentStatus.REFUNDING: "refund_requested_at",
        PaymentStatus.REFUNDED: "refunded_at",
    }.get(PaymentStatus(target))
    if stamp is not None and not (stamp == "paid_at" and payment.paid_at):
        setattr(payment, stamp, now)
    payment.save()
    record(payment, target, actor=actor, **extra)
    return True


def matches(payment: Payment, *, amount: int | None, currency: str, payment_id: str) -> bool:
    """Whether what the provider says is about this payment's money."""
    return (
        amount == payment.amount
        and currency.lower() == payment.currency.lower()
        and payment_id == str(payment.public_id)
    )


def apply_checkout(payment: Payment, state: ProviderPayment, *, actor: str = "system") -> Outcome:
    """Apply what the provider says of the payment's checkout (call inside atomic)."""
    now = timezone.now()
    locked = lock(payment)
    if state.checkout_id != locked.checkout_id or not matches(
        locked, amount=state.amount, currency=state.currency, payment_id=state.payment_id
    ):
        logger.warning(
            "payment %s: the provider's checkout does not match it (amount, currency or "
            "payment id differ); left unchanged",
            locked.public_id,
        )
        _refresh(payment, locked)
        return Outcome.MISMATCH
    locked.last_polled_at = now
    target = _STATES[state.state]
    if locked.status == target or not can_move(locked.status, target):
        if target == PaymentStatus.PAID and locked.status == PaymentStatus.FAILED:
            logger.error(
                "payment %s is %s but the provider says it was paid (%s): refund it",
                locked.public_id,
                locked.status,
                state.reference,
            )
        locked.save(update_fields=["last_polled_at"])
        _refresh(payment, locked)
        return Outcome.IGNORED
    extra: dict[str, str] = {}
    if target == PaymentStatus.PAID and locked.status in LATE_FROM:
        # Paid after it was cancelled or expired: recorded as paid (the money arrived),
        # shown to staff as 「取消後に支払われました」 to refund.
        logger.error(
            "payment %s was %s but the provider says it was paid (%s): refund it",
            locked.public_id,
            locked.status,
            state.reference,
        )
        extra = {"late": str(locked.status)}
    if target == PaymentStatus.PAID:
        locked.provider_reference = state.reference
        locked.method = state.method[:20]
        locked.provider_fee = state.fee
        locked.net = state.net
        year = timezone.localtime(now).year
        locked.receipt_serial = receipts.next_receipt_serial(
            locked.municipality_id, locked.municipality.lg_code, year
        )
        extra |= {"receipt": locked.receipt_serial, "method": locked.method}
    move(locked, target, actor=actor, now=now, **extra)
    _refresh(payment, locked)
    return Outcome.APPLIED


def apply_refund(
    payment: Payment, state: RefundState, *, refund_reference: str = "", actor: str = "system"
) -> Outcome:
    """Apply a refund's state to a locked paid or refunding payment (call inside atomic)."""
    now = timezone.now()
    locked = lock(payment)
    if refund_reference and not locked.refund_reference:
        locked.refund_reference = refund_reference
    outcome = Outcome.IGNORED
    if state == RefundState.SUCCEEDED and can_move(locked.status, PaymentStatus.REFUNDED):
        changed = move(
            locked,
            PaymentStatus.REFUNDED,
            actor=actor,
            now=now,
            refund=locked.refund_reference,
        )
        outcome = Outcome.APPLIED if changed else Outcome.IGNORED
    elif state == RefundState.FAILED and locked.status == PaymentStatus.REFUNDING:
        # The provider refused the refund: the money is still the city's; staff see it paid.
        move(locked, PaymentStatus.PAID, actor=actor, now=now, refund="failed")
        outcome = Outcome.APPLIED
    locked.save()
    _refresh(payment, locked)
    return outcome


def _refresh(payment: Payment, locked: Payment) -> None:
    """Give the caller's instance the locked row's values."""
    for field in Payment._meta.concrete_fields:
        setattr(payment, field.attname, getattr(locked, field.attname))
