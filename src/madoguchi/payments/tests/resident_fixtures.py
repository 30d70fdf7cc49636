"""Forms with fees and payments in each state, for the resident-side tests."""

from __future__ import annotations

import copy
from typing import Any

from django.utils import timezone

from madoguchi.forms.models import FormVersion
from madoguchi.payments.models import Payment, Purpose
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import SIMPLE_SCHEMA, PaymentFactory, publish_form

FEE_ITEMS: list[dict[str, Any]] = [
    {
        "key": "copies",
        "label": {"ja": "証明書の写し", "en": "Certificate copies"},
        "unit_amount": 300,
        "quantity_field": "count",
    },
    {
        "key": "bag",
        "label": {"ja": "指定ごみ袋", "en": "Garbage bags"},
        "unit_amount": 550,
        "taxable": True,
        "tax_rate": 10,
    },
]
# count = 2: 300円 × 2 (非課税) + 550円 (税込 10%, of which 50円 tax) = 1,150円.
LINES: list[dict[str, Any]] = [
    {
        "key": "copies",
        "label": {"ja": "証明書の写し", "en": "Certificate copies"},
        "unit_amount": 300,
        "quantity": 2,
        "amount": 600,
        "taxable": False,
        "tax_rate": 0,
        "tax": 0,
    },
    {
        "key": "bag",
        "label": {"ja": "指定ごみ袋", "en": "Garbage bags"},
        "unit_amount": 550,
        "quantity": 1,
        "amount": 550,
        "taxable": True,
        "tax_rate": 10,
        "tax": 50,
    },
]


def fee_form(department: Department, *, timing: str, slug: str = "fee-form") -> FormVersion:
    schema = copy.deepcopy(SIMPLE_SCHEMA)
    schema["fees"] = {
        "timing": timing,
        "items": FEE_ITEMS,
        "description": {
            "ja": "品目を確認してから金額をお知らせします",
            "en": "We confirm the items.",
        },
    }
    return publish_form(department=department, slug=slug, schema=schema)


def payment(submission: Submission, status: str, **values: Any) -> Payment:
    """A payment of LINES in ``status``, as the core services would leave it."""
    paid = status in (PaymentStatus.PAID, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED)
    now = timezone.now()
    defaults: dict[str, Any] = {
        "submission": submission,
        "purpose": Purpose.ON_SUBMISSION,
        "status": status,
        "amount": 1150,
        "tax": 50,
        "lines": LINES,
    }
    if not paid:
        defaults |= {
            "paid_at": None,
            "receipt_serial": None,
            "provider_reference": "",
            "method": "",
            "provider_fee": None,
            "net": None,
        }
    if status == PaymentStatus.REFUNDED:
        defaults |= {"refunded_at": now}
    made: Payment = PaymentFactory(**(defaults | values))
    return made
