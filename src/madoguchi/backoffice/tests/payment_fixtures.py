"""A 粗大ごみ collection form whose fee staff confirm when approving (事後決済), and payments
made directly (the fixtures using them are in conftest.py)."""

from __future__ import annotations

import copy
from typing import Any

from madoguchi.forms.models import FormVersion
from madoguchi.payments.models import Payment, Purpose
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    PaymentFactory,
    publish_form,
)

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
    return PaymentFactory(submission=submission, **values)  # type: ignore[no-any-return]


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
