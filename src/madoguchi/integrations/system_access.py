"""The system API's reads in the ledger and so in the resident's やりとり履歴.

Every read of an application (its answers, a file, the signature evidence) by a back-office
system is a ``SYSTEM_FETCHED`` event about the submission, with the department's code, the
client's pseudonym as actor, ``by: system`` and what was read; no personal data. The resident's
history (madoguchi.submissions.selectors.access_history) shows it as 「基幹システム（<課>）」
「基幹システムが取得しました」. A status set by a system is the workflow's own
``STATUS_CHANGED`` event, with ``by: system`` (clients_services.set_status).
"""

from __future__ import annotations

from madoguchi.core import events
from madoguchi.submissions.models import Submission

from .oauth import Caller


def record_fetch(caller: Caller, submission: Submission, *, what: str, ref: str = "") -> None:
    """``what``: "application", "attachment" (``ref``: its id) or "signature"."""
    events.record(
        events.Event.SYSTEM_FETCHED,
        actor=caller.actor,
        subject=events.submission_subject(submission.public_id),
        detail={"department": submission.department.code, "by": "system", "what": what}
        | ({"ref": ref} if ref else {}),
    )


def ledger_subject(submission: Submission) -> str:
    """The ledger subject of every event about ``submission`` (to check proofs offline)."""
    return events.submission_subject(submission.public_id)
