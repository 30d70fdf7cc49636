"""Forms with fees in a city whose payment account points at the simulator (test settings)."""

from __future__ import annotations

import copy
from typing import Any

from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    MunicipalityFactory,
    StaffFactory,
    publish_form,
    submit_application,
)

# 加賀市: its test keys are in settings/test.py (MADOGUCHI_PAYMENT_ACCOUNTS).
KAGA = "172065"

FEES: dict[str, Any] = {
    "timing": "on_submission",
    "methods": ["card"],
    "items": [
        {
            "key": "copies",
            "label": {"ja": "住民票の写し", "en": "Residence certificate copies"},
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
    ],
}
# count = 2: 300円 × 2 + 550円 (10% tax included: 50円) = 1,150円.
AMOUNT = 1150


def department(lg_code: str = KAGA) -> Department:
    city = MunicipalityFactory(lg_code=lg_code)
    return DepartmentFactory(municipality=city)  # type: ignore[no-any-return]


ALL_METHODS = ["card", "konbini", "paypay"]


def fee_form(
    owner: Department | None = None,
    *,
    timing: str = "on_submission",
    slug: str = "fee",
    methods: list[str] | None = None,
) -> FormVersion:
    schema = copy.deepcopy(SIMPLE_SCHEMA)
    schema["fees"] = {**FEES, "timing": timing, "methods": methods or ["card"]}
    return publish_form(department=owner or department(), slug=slug, schema=schema)


def application(form_version: FormVersion | None = None, **answers: Any) -> Submission:
    return submit_application(form_version or fee_form(), count=2, **answers)


def staff_of(submission: Submission) -> StaffMember:
    return StaffFactory(  # type: ignore[no-any-return]
        municipality=submission.municipality, departments=[submission.department]
    )


def staff_lines(amount: int = 2000) -> list[dict[str, Any]]:
    return [
        {
            "key": "disposal",
            "label": {"ja": "粗大ごみ処理手数料", "en": "Bulky waste fee"},
            "unit_amount": amount,
            "quantity": 1,
            "amount": amount,
            "taxable": False,
            "tax_rate": 0,
            "tax": 0,
        }
    ]
