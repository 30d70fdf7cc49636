"""A 粗大ごみ collection form whose fee staff confirm when approving (事後決済), and payments
made directly (the fixtures using them are in conftest.py)."""

from __future__ import annotations

import copy
from typing import Any

from madoguchi.forms.models import FormVersion
from madoguchi.payments import services as payment_services
from madoguchi.payments.models import Payment, Purpose
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    PaymentFactory,
    publish_form,
)
from madoguchi.testing.payments import PaySim

KAGA = "172065"
# 粗大ごみ: 1,000円 per item (the answer 「人数」 stands in for the number of items).
SODAIGOMI_FEES: dict[str, Any] = {
    "timing": "after_review",
    "items": [
        {
            "key": "items",
            "label": {"ja": "粗大ごみ処理手数料", "en": "Bulky waste fee"},
            "unit_amount": 1000,
            "quantity_field": "count",
        }
    ],
    "description": {"ja": "品目を確認してから金額をお知らせします", "en": "We confirm the items."},
}


def fee_form(
    department: Department, *, fees: dict[str, Any] | None = None, slug: str = "sodaigomi"
) -> FormVersion:
    schema = copy.deepcopy(SIMPLE_SCHEMA)
    schema["fees"] = fees or SODAIGOMI_FEES
    return publish_form(department=department, slug=slug, schema=schema)


def paid(submission: Submission, **values: Any) -> Payment:
    """A paid payment written directly (no provider knows it: not for refunds)."""
    return PaymentFactory(submission=submission, **values)  # type: ignore[no-any-return]


def paid_at_provider(paysim: PaySim, submission: Submission, staff: StaffMember) -> Payment:
    """The fee of 3,000円 asked at approval's price and paid on the simulator's hosted page
    (Stripe's SDK over real HTTP), so a refund goes to the provider for real."""
    lines = [
        {
            "key": "items",
            "label": {"ja": "粗大ごみ処理手数料", "en": "Bulky waste fee"},
            "unit_amount": 1000,
            "quantity": 3,
            "amount": 3000,
        }
    ]
    payment = payment_services.request_payment(submission, lines=lines, staff=staff)
    assert paysim.pay(payment_services.checkout_url(payment, language="ja")).ok
    paysim.deliver()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    return payment


def refunds_at_provider(paysim: PaySim, payment: Payment) -> list[tuple[int, str]]:
    """The refunds the provider holds for the payment (amount, status)."""
    found = paysim.client().v1.refunds.list({"payment_intent": payment.provider_reference})
    return [(refund.amount, refund.status) for refund in found.data]


def pending(submission: Submission, amount: int = 3000) -> Payment:
    return PaymentFactory(  # type: ignore[no-any-return]
        submission=submission,
        purpose=Purpose.AFTER_REVIEW,
        amount=amount,
        status=PaymentStatus.PENDING,
        provider_reference="",
        method="",
        provider_fee=None,
        net=None,
        paid_at=None,
        receipt_serial=None,
    )
