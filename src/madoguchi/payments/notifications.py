"""Emails to the applicant about their fee: paid (with the 領収書番号), refunded.

The core payment services call :func:`payment_paid` and :func:`payment_refunded` when a
payment moves; the email goes once the transaction commits (at once outside one), in the
language the applicant applied in, with a new status link (where the 領収書 is). No card
data is known here and none is written: only the amount, the method's name and numbers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from madoguchi.submissions import fee_display, notifications, status_links

from .models import Payment
from .resident_panel import method_label

__all__ = ["payment_paid", "payment_refunded"]

logger = logging.getLogger(__name__)


def payment_paid(payment: Payment) -> None:
    """「お支払いを確認しました」: amount, 領収書番号 and the status link (after commit)."""
    pk = payment.pk
    transaction.on_commit(lambda: _send(pk, "paid"))


def payment_refunded(payment: Payment) -> None:
    """The fee was refunded: amount and the status link (after commit)."""
    pk = payment.pk
    transaction.on_commit(lambda: _send(pk, "refunded"))


def _send(pk: int, kind: str) -> None:
    payment = Payment.objects.select_related(
        "submission__form_version__form", "submission__municipality", "submission__department"
    ).get(pk=pk)
    submission = payment.submission
    if not submission.contact_email:
        return
    with translation.override(submission.language or "ja"):
        context: dict[str, Any] = notifications.confirmation_context(
            submission, submission.language or "ja"
        )
        context |= {
            "payment": payment,
            "amount": fee_display.yen(payment.amount),
            "method": method_label(payment.method) if payment.method else "",
            "site_url": settings.MADOGUCHI_SITE_URL,
            "status_url": status_links.absolute_url(status_links.issue(submission)),
        }
        if kind == "paid":
            subject = _("[%(municipality)s] We have received your payment (%(receipt)s)")
        else:
            subject = _("[%(municipality)s] Your payment was refunded (%(receipt)s)")
        subject %= {"municipality": context["municipality"], "receipt": submission.receipt_number}
        body = render_to_string(f"payments/email/{kind}.txt", context)
    try:
        send_mail(subject, body, None, [submission.contact_email])
    except OSError:
        # The payment stands; the status page shows it and has the 領収書.
        logger.exception("payment email failed for payment %s", payment.public_id)
