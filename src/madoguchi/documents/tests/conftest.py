"""Fixtures: a submission (with its canonical document and ledger entry) and its receipt."""

from __future__ import annotations

from typing import Any

import pytest

from madoguchi.documents import services
from madoguchi.submissions.models import Submission
from madoguchi.testing.factories import submit_application


@pytest.fixture
def submission(form_version: Any) -> Submission:
    return submit_application(form_version, visit_date="2025-04-01")


@pytest.fixture
def receipt(submission: Submission) -> bytes:
    return services.receipt_pdf(submission)
