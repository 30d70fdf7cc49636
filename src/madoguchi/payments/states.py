"""The payment state machine: which moves exist, and which are final.

pending → paid | failed | expired | cancelled;  paid → refunding → refunded (or back to
paid if the provider refuses the refund). A move to the same state is a no-op, so a
replayed webhook or a return page that polls after the webhook changes nothing. Every
other move is refused: a late "expired" after "paid" must never undo a payment.

cancelled | expired → paid: the money's truth wins. A payment Madoguchi cancelled (the
application was rejected or withdrawn, or staff replaced the amount) or saw expire can
still be paid at the provider (a konbini slip paid at the store afterwards, a checkout
that could not be closed): the record then says paid, keeping when it was cancelled or
expired, so the treasury's files count the money and staff see 「取消後に支払われました」
and refund it. Such a late payment is not the application's live payment
(``models.live_payments``). A failed payment stays failed (the provider ended it).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    EXPIRED = "expired", _("Payment expired")
    # Staff replaced the amount before the resident paid (a new payment carries it).
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDING = "refunding", _("Refund in progress")
    REFUNDED = "refunded", _("Refunded")


S = PaymentStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PAID, S.FAILED, S.EXPIRED, S.CANCELLED}),
    S.PAID: frozenset({S.REFUNDING, S.REFUNDED}),
    S.REFUNDING: frozenset({S.REFUNDED, S.PAID}),
    S.FAILED: frozenset(),
    S.EXPIRED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.REFUNDED: frozenset(),
}
# At most one payment per submission is in one of these (a database constraint): the
# one the resident is asked to pay, or the one that was paid.
LIVE = frozenset({S.PENDING, S.PAID, S.REFUNDING})
FINAL = frozenset(status for status, moves in TRANSITIONS.items() if not moves)
# Where a payment made after it was cancelled or expired comes from (see the docstring).
LATE_FROM = frozenset({S.CANCELLED, S.EXPIRED})
# The money was received (and perhaps given back).
MONEY = frozenset({S.PAID, S.REFUNDING, S.REFUNDED})


class IllegalTransition(ValueError):
    pass


def can_move(current: str, target: str) -> bool:
    return current == target or target in TRANSITIONS[current]


def check_move(current: str, target: str) -> None:
    if not can_move(current, target):
        raise IllegalTransition(f"a payment cannot go from {current} to {target}")
