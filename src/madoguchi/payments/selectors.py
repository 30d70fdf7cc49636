"""Reads about payments: named questions other apps (the status page, the back office) ask."""

from __future__ import annotations

from uuid import UUID

from madoguchi.forms.schema import FeeSettings
from madoguchi.submissions.models import Submission

from .models import LIVE_CONDITION, Payment


def live_payment(submission: Submission) -> Payment | None:
    """The payment the resident is asked to pay, or the one they paid (at most one; not
    one paid after it was cancelled, which is refunded)."""
    return Payment.objects.filter(LIVE_CONDITION, submission=submission).first()


def payments_of(submission: Submission) -> list[Payment]:
    """Every payment of a submission, newest first (replaced and expired ones included)."""
    return list(Payment.objects.filter(submission=submission).order_by("-created_at", "-id"))


def fee_settings(submission: Submission) -> FeeSettings | None:
    """The fees of the form version the submission was made on (None: it charges nothing)."""
    return submission.form_version.schema.fees


def by_public_id(public_id: UUID | str) -> Payment | None:
    return Payment.objects.select_related("submission").filter(public_id=public_id).first()
