"""Reads: which receipt a browser may download, and what the public reference page shows."""

from __future__ import annotations

from uuid import UUID

from django.contrib.sessions.backends.base import SessionBase

from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Submission

from .models import Receipt

__all__ = ["issued_receipt", "receipt_of", "submission_for_resident"]


def _submission(public_id: UUID) -> Submission:
    return Submission.objects.select_related(
        "form_version__form", "municipality", "department", "identity"
    ).get(public_id=public_id)


def submission_for_resident(session: SessionBase, public_id: UUID) -> Submission:
    """The submission behind a receipt link, if this browser may see it.

    Raises Submission.DoesNotExist otherwise: an unknown id and someone else's
    submission look the same from outside.
    """
    submission = _submission(public_id)
    if not submission_selectors.visible_to_resident(session, submission):
        raise Submission.DoesNotExist
    return submission


def receipt_of(submission: Submission) -> Receipt | None:
    return Receipt.objects.filter(submission=submission).first()


def issued_receipt(public_id: UUID) -> Receipt:
    """A receipt that was issued, for the public reference page; raises Receipt.DoesNotExist."""
    return Receipt.objects.select_related("submission__municipality").get(
        submission__public_id=public_id
    )
