"""The back office's tests log staff in with the shared helper (madoguchi.testing.staff).

The fee tests (test_payments_*) work in Kaga, a city the test settings give a payment
account, on the 粗大ごみ form of :mod:`.payment_fixtures`.
"""

from __future__ import annotations

import pytest

from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import (
    DepartmentFactory,
    MunicipalityFactory,
    StaffFactory,
    submit_application,
)

from .payment_fixtures import KAGA, fee_form


@pytest.fixture
def kaga_department(db: None) -> Department:
    return DepartmentFactory(  # type: ignore[no-any-return]
        municipality=MunicipalityFactory(lg_code=KAGA, name="加賀市", name_en="Kaga City"),
        name="環境課",
        name_en="Environment Division",
    )


@pytest.fixture
def clerk(kaga_department: Department) -> StaffMember:
    return StaffFactory(  # type: ignore[no-any-return]
        municipality=kaga_department.municipality, departments=[kaga_department]
    )


@pytest.fixture
def collection(kaga_department: Department, clerk: StaffMember) -> Submission:
    """A request to collect 3 bulky items, under review."""
    submission = submit_application(fee_form(kaga_department), count=3)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=clerk)
    return submission
