"""Fees on the staff side: the amount offered at approval (事後決済), the payment section of
a submission's page, and each inbox row's payment state.

The amount staff confirm starts from the quote of the stored answers
(``forms.fees.quote``); staff may change each line's quantity and unit amount (e.g. the
粗大ごみ actually collected), and the lines they confirm are stored on the payment in the
quote's own shape (``QuoteLine.as_json``), so the resident, the 領収書 and the treasury's
export read them like any quote. Amounts are whole yen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.forms.fees import included_tax, quote
from madoguchi.forms.schema import FeeSettings, LocalizedText
from madoguchi.payments import selectors as payment_selectors
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions.models import Submission

# The most of one thing staff may count on one line (a typo guard, not a rule of the city).
QUANTITY_MAX = 9999


def yen(amount: int) -> str:
    """``1,200円`` (``1,200 yen`` in English)."""
    return _("%(amount)s yen") % {"amount": f"{amount:,}"}


def _label(label: Any, language: str) -> str:
    if isinstance(label, Mapping):
        return LocalizedText.model_validate(label).get(language)
    if isinstance(label, LocalizedText):
        return label.get(language)
    return str(label)


@dataclass(frozen=True)
class OfferLine:
    """One line of the amount offered at approval, as the quote gives it."""

    key: str
    label: LocalizedText
    unit_amount: int
    quantity: int
    amount: int
    taxable: bool
    tax_rate: int
    # The quote could not work this line out from the answers (staff enter it).
    problem: bool = False

    @property
    def quantity_field(self) -> str:
        return f"fee_qty_{self.key}"

    @property
    def unit_field(self) -> str:
        return f"fee_unit_{self.key}"


@dataclass(frozen=True)
class FeeOffer:
    """What the approval form asks about the fee of a 事後決済 form."""

    lines: tuple[OfferLine, ...]
    description: str

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)


def fee_settings(submission: Submission) -> FeeSettings | None:
    return submission.form_version.schema.fees


def approval_offer(submission: Submission, *, language: str) -> FeeOffer | None:
    """The lines to confirm when approving, for a form whose fee is set after review."""
    fees = fee_settings(submission)
    if fees is None or fees.timing != "after_review":
        return None
    found = quote(submission.form_version.schema, submission.answers)
    lines = [
        OfferLine(
            key=line.key,
            label=line.label,
            unit_amount=line.unit_amount,
            quantity=line.quantity,
            amount=line.amount,
            taxable=line.taxable,
            tax_rate=line.tax_rate,
        )
        for line in (found.lines if found else ())
    ]
    # A rule the answers could not feed is offered empty, for staff to fill in.
    problems = set(found.problems if found else ())
    for item in fees.items:
        if item.key in problems:
            lines.append(
                OfferLine(
                    key=item.key,
                    label=item.label,
                    unit_amount=item.unit_amount,
                    quantity=0,
                    amount=0,
                    taxable=item.taxable,
                    tax_rate=item.tax_rate,
                    problem=True,
                )
            )
    return FeeOffer(
        lines=tuple(lines),
        description=fees.description.get(language) if fees.description else "",
    )


def confirmed_lines(
    offer: FeeOffer, entered: Mapping[str, tuple[int, int]]
) -> list[dict[str, Any]]:
    """The lines to charge: each offered line with the quantity and unit amount staff
    confirmed (``entered``: key → (quantity, unit amount)), in ``QuoteLine.as_json``'s shape.

    A line kept as quoted keeps the quote's amount (a rule may compute an amount that is not
    unit × quantity); a changed one costs unit × quantity. Lines of 0 are left out.
    """
    lines = []
    for line in offer.lines:
        quantity, unit = entered.get(line.key, (line.quantity, line.unit_amount))
        unchanged = (quantity, unit) == (line.quantity, line.unit_amount) and not line.problem
        amount = line.amount if unchanged else quantity * unit
        if not amount and not quantity:
            continue
        lines.append(
            {
                "key": line.key,
                "label": line.label.model_dump(exclude_none=True),
                "unit_amount": unit,
                "quantity": quantity,
                "amount": amount,
                "taxable": line.taxable,
                "tax_rate": line.tax_rate if line.taxable else 0,
                "tax": included_tax(amount, line.tax_rate) if line.taxable else 0,
            }
        )
    return lines


def total_of(lines: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(line["amount"]) for line in lines)


# ---------------------------------------------------------------------------------------
# The payment section of a submission's page


METHOD_LABELS = {
    "card": gettext_lazy("Credit card"),
    "konbini": gettext_lazy("Convenience store"),
    "paypay": "PayPay",
}


@dataclass(frozen=True)
class PaymentLineRow:
    label: str
    quantity: int
    unit_amount: str
    amount: str


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    status: str
    status_label: str
    purpose_label: str
    method_label: str
    amount: str
    tax: str
    lines: list[PaymentLineRow]
    requested_at: datetime
    requested_by: str
    refunded_by: str
    can_refund: bool
    # Paid after it was cancelled or expired, not refunded yet: staff are asked to refund.
    paid_late: bool = False


def payment_rows(submission: Submission, *, language: str, can_act: bool) -> list[PaymentRow]:
    """Each payment of the submission, newest first, as the payment section shows it."""
    rows = []
    payments = sorted(
        payment_selectors.payments_of(submission),
        key=lambda p: (p.created_at, p.pk),
        reverse=True,
    )
    for payment in payments:
        rows.append(
            PaymentRow(
                payment=payment,
                status=payment.status,
                status_label=str(PaymentStatus(payment.status).label),
                purpose_label=payment.get_purpose_display(),
                method_label=str(METHOD_LABELS.get(payment.method, payment.method)),
                amount=yen(payment.amount),
                tax=yen(payment.tax) if payment.tax else "",
                lines=[
                    PaymentLineRow(
                        label=_label(line.get("label", ""), language),
                        quantity=int(line.get("quantity", 1)),
                        unit_amount=yen(int(line.get("unit_amount", 0))),
                        amount=yen(int(line.get("amount", 0))),
                    )
                    for line in payment.lines
                ],
                requested_at=payment.created_at,
                requested_by=payment.requested_by.display_name if payment.requested_by else "",
                refunded_by=payment.refunded_by.display_name if payment.refunded_by else "",
                can_refund=can_act and payment.status == PaymentStatus.PAID,
                paid_late=payment.paid_late and payment.status == PaymentStatus.PAID,
            )
        )
    return rows


def paid_payment(submission: Submission) -> Payment | None:
    """The submission's paid payment (the one a rejection may refund), if any."""
    live = payment_selectors.live_payment(submission)
    return live if live is not None and live.status == PaymentStatus.PAID else None


# ---------------------------------------------------------------------------------------
# The inbox: one payment state per row, and the filter 支払状況


class PaymentState:
    UNPAID = "unpaid"
    PAID = "paid"
    REFUNDING = "refunding"
    REFUNDED = "refunded"


PAYMENT_STATE_LABELS = {
    PaymentState.UNPAID: gettext_lazy("Unpaid"),
    PaymentState.PAID: gettext_lazy("Paid"),
    PaymentState.REFUNDING: gettext_lazy("Refund in progress"),
    PaymentState.REFUNDED: gettext_lazy("Refunded"),
}
# The filter's choices (a refund in progress is listed with the paid ones).
PAYMENT_FILTERS = (PaymentState.UNPAID, PaymentState.PAID, PaymentState.REFUNDED)

_OPEN = (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.EXPIRED)
_SETTLED = (PaymentStatus.PAID, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED)


def _has(*statuses: str) -> Exists:
    return Exists(Payment.objects.filter(submission=OuterRef("pk"), status__in=statuses))


def payment_state() -> Case:
    """Each submission's payment state, one expression of the row's own query (no query
    per row): paid or being refunded wins over an earlier failed attempt; unpaid is a
    payment asked for (pending, or failed/expired and not retried yet) and none paid."""
    return Case(
        When(_has(PaymentStatus.REFUNDING), then=Value(PaymentState.REFUNDING)),
        When(_has(PaymentStatus.PAID), then=Value(PaymentState.PAID)),
        When(_has(PaymentStatus.REFUNDED), then=Value(PaymentState.REFUNDED)),
        When(_has(*_OPEN), then=Value(PaymentState.UNPAID)),
        default=Value(""),
        output_field=CharField(),
    )


def with_payment_state(submissions: QuerySet[Submission]) -> QuerySet[Submission]:
    return submissions.annotate(payment_state=payment_state())


def filter_by_payment(submissions: QuerySet[Submission], state: str) -> QuerySet[Submission]:
    """Submissions in one payment state (as :func:`payment_state` names them)."""
    if state == PaymentState.PAID:
        return submissions.filter(_has(PaymentStatus.PAID, PaymentStatus.REFUNDING))
    if state == PaymentState.REFUNDED:
        return submissions.filter(
            Q(_has(PaymentStatus.REFUNDED)) & ~Q(_has(PaymentStatus.PAID, PaymentStatus.REFUNDING))
        )
    if state == PaymentState.UNPAID:
        return submissions.filter(Q(_has(*_OPEN)) & ~Q(_has(*_SETTLED)))
    return submissions
