"""What the resident sees of a fee: the payment panel on the confirmation and status pages,
the note in the confirmation email, and the start of the payment when an application is
sent.

Registered into submissions' ports in :class:`..apps.PaymentsConfig` ``ready()``:
``submissions.after_submit`` (:func:`start_on_submission`), ``submissions.status_panels``
(:func:`panel`, :func:`email_note`). The texts are shared with the 領収書 and the payment
emails (:func:`status_label`, :func:`method_label`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.submissions import fee_display
from madoguchi.submissions.models import Channel, Status, Submission
from madoguchi.submissions.status_panels import Where

from .accounts import PaymentUnavailable
from .models import Payment
from .states import PaymentStatus

logger = logging.getLogger("madoguchi.payments")

# The status as the resident reads it (short, for the panel and the 領収書).
STATUS_LABELS: dict[str, Any] = {
    PaymentStatus.PENDING: gettext_lazy("Awaiting payment"),
    PaymentStatus.PAID: gettext_lazy("Paid"),
    PaymentStatus.FAILED: gettext_lazy("Payment failed"),
    PaymentStatus.EXPIRED: gettext_lazy("Payment expired"),
    PaymentStatus.CANCELLED: gettext_lazy("Cancelled"),
    PaymentStatus.REFUNDING: gettext_lazy("Refund in progress"),
    PaymentStatus.REFUNDED: gettext_lazy("Refunded"),
}
METHOD_LABELS: dict[str, Any] = {
    "card": gettext_lazy("Credit card"),
    "konbini": gettext_lazy("Convenience store"),
    "paypay": gettext_lazy("PayPay"),
}
# A 領収書 exists for these: the money was received (a refund is marked on it).
RECEIPTED = frozenset({PaymentStatus.PAID, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED})
# 「支払う」 is offered for the payment asked for, and again after a failed or expired one
# (the pay view then makes a new payment of the same lines: services.payment_to_pay).
_RETRY = frozenset({PaymentStatus.FAILED, PaymentStatus.EXPIRED})
_CLOSED = frozenset({Status.REJECTED, Status.WITHDRAWN})


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def method_label(method: str) -> str:
    return str(METHOD_LABELS.get(method, method or "—"))


def start_on_submission(submission: Submission) -> None:
    """``submissions.after_submit`` hook: the fee asked at submission becomes a payment.

    Online only: a paper application (mail-in, counter) is paid the way the paper is.
    """
    from . import services  # the core payment services (start_payment is idempotent)

    schema = submission.form_version.schema
    if submission.channel != Channel.ONLINE or schema.fees is None:
        return
    if schema.fees.timing != "on_submission":
        return
    try:
        services.start_payment(submission)
    except PaymentUnavailable:
        # No merchant account for the city: the application is still received (the
        # department asks for the fee); refusing it here would lose the resident's answers.
        logger.warning("no payment account: submission %s has no payment", submission.public_id)


def shown_payment(submission: Submission) -> Payment | None:
    """The payment the resident is asked about: the live one, else the latest."""
    return (
        Payment.objects.filter(submission=submission)
        .exclude(status=PaymentStatus.CANCELLED)
        .order_by("-created_at", "-pk")
        .first()
    )


def can_pay(payment: Payment) -> bool:
    if payment.submission.status in _CLOSED:
        # Rejected or withdrawn: nothing is asked any more (services.cancel_open_payments).
        return False
    return payment.status == PaymentStatus.PENDING or payment.status in _RETRY


def panel_context(submission: Submission, where: Where) -> dict[str, Any] | None:
    payment = shown_payment(submission)
    fees = submission.form_version.schema.fees
    if payment is None:
        closed = submission.status in _CLOSED
        if fees is not None and fees.timing == "after_review" and not where.locked and not closed:
            # 事後決済 not asked yet: say so, so the resident expects it.
            return {"later": True, "where": where}
        return None
    lines = payment.lines if isinstance(payment.lines, list) else []
    return {
        "where": where,
        "payment": payment,
        "status": payment.status,
        "status_label": status_label(payment.status),
        "amount": fee_display.yen(payment.amount),
        "tax": fee_display.yen(payment.tax) if payment.tax else "",
        "rows": fee_display.line_rows(lines),
        "can_pay": can_pay(payment),
        "retry": payment.status in _RETRY,
        "method": method_label(payment.method) if payment.method else "",
        "receipt": payment.status in RECEIPTED and bool(payment.receipt_serial),
        "refunded": payment.status == PaymentStatus.REFUNDED,
    }


def panel(request: HttpRequest, submission: Submission, where: Where) -> SafeString:
    """``submissions.status_panels`` panel: amount, lines, status, 「支払う」, 領収書."""
    context = panel_context(submission, where)
    if context is None:
        return SafeString("")
    return SafeString(render_to_string("payments/panel.html", context, request=request))


def email_note(submission: Submission) -> str:
    """``submissions.status_panels`` email note: what to pay, or that it comes later."""
    fees = submission.form_version.schema.fees
    if fees is None:
        return ""
    payment = (
        Payment.objects.filter(submission=submission, status=PaymentStatus.PENDING)
        .order_by("-created_at")
        .first()
    )
    if payment is not None:
        return _(
            "Fee to pay: %(amount)s. Please pay it online from the status page below; "
            "the application is processed once it is paid."
        ) % {"amount": fee_display.yen(payment.amount)}
    if fees.timing == "after_review":
        return _(
            "The fee for this application is set after the department has reviewed it. "
            "You will be told the amount by email."
        )
    return ""


def checkout_origins(submission: Submission) -> list[str]:
    """Where 「支払う」 on this submission's pages redirects: its city's provider's hosted
    pages, or nothing when the form charges no fee or the city has no payment account."""
    from . import accounts, registry

    if submission.form_version.schema.fees is None:
        return []
    account = accounts.account_or_none(submission.municipality.lg_code)
    if account is None:
        return []
    return registry.provider(account.provider).checkout_origins(account)
