"""Writes about fees that go with a staff decision: asking for the fee when approving
(事後決済), refunding it when rejecting, and a refund on its own.

An approval and its payment request are one transaction, so an approval whose payment
cannot be created is not approved, and the page says why. A rejection's refund follows
the rejection (see :func:`reject`). The payments app does the payment's own work (its state,
the provider, its ledger events); this module only joins it to the workflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.core.refusals import Refused
from madoguchi.payments import services as payment_services
from madoguchi.payments.models import Payment
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from .fees import paid_payment, total_of, yen


def approve(
    *,
    submission: Submission,
    staff: StaffMember,
    reason: str,
    lines: Sequence[dict[str, Any]],
    quoted_total: int,
    fee_reason: str = "",
) -> Payment | None:
    """Approve, asking the applicant for the fee of ``lines`` (none when they come to 0).

    A fee different from the quote is noted in the internal comments with its reason.
    Raises WorkflowRefused (or the payments app's refusal) and changes nothing then.
    """
    total = total_of(lines)
    with transaction.atomic():
        workflow.change_status(
            submission=submission, to_status=Status.APPROVED, staff=staff, reason=reason
        )
        payment = None
        if total > 0:
            payment = payment_services.request_payment(submission, lines=list(lines), staff=staff)
        if fee_reason.strip():
            workflow.add_comment(
                submission=submission,
                staff=staff,
                body=_("Fee changed from the quoted %(quoted)s to %(charged)s. Reason: %(reason)s")
                % {
                    "quoted": yen(quoted_total),
                    "charged": yen(total),
                    "reason": fee_reason.strip(),
                },
            )
    return payment


@dataclass(frozen=True)
class Rejection:
    # The payment being refunded (None: nothing was paid, or no refund was asked for).
    refunded: Payment | None = None
    # Why the refund was refused after the rejection was made (it stands; refund later).
    refund_refused: str = ""


def reject(
    *, submission: Submission, staff: StaffMember, reason: str, refund_reason: str | None
) -> Rejection:
    """Reject; with ``refund_reason``, then refund the paid fee.

    The refund follows the rejection's own transaction rather than sharing it: it asks the
    provider over the network, which must not happen while the submission's row is locked
    (the payments app calls the provider after its own commit for the same reason). A
    refund refused then leaves the rejection made and says why; the 返金 action remains.
    A fee not paid yet is cancelled once the rejection commits (its checkout closed at the
    provider): payments' ``submissions.status_hooks`` hook does it for every rejection,
    this one, a bulk one from the inbox, and the resident's withdrawal alike.
    """
    workflow.change_status(
        submission=submission, to_status=Status.REJECTED, staff=staff, reason=reason
    )
    payment = paid_payment(submission) if refund_reason is not None else None
    if payment is None:
        return Rejection()
    try:
        refunded = payment_services.request_refund(
            payment, staff=staff, reason=refund_reason or reason
        )
    except Refused as refused:
        return Rejection(refund_refused=str(refused))
    return Rejection(refunded=refunded)


def refund(*, payment: Payment, staff: StaffMember, reason: str) -> Payment:
    """返金: give back a paid fee (any status of the application: a withdrawal, a mistake)."""
    if not staff.can_act:
        raise workflow.WorkflowRefused(_("Your role can read submissions but not change them."))
    if not visible_departments(staff).filter(pk=payment.department_id).exists():
        raise workflow.WorkflowRefused(_("This submission was not found."))
    return payment_services.request_refund(payment, staff=staff, reason=reason.strip())
