"""Reads that check stored submissions against their recorded document and the ledger.

An answer or a file changed in the database (by a faulty import, a careless UPDATE or an
attacker) no longer matches the canonical document that was hashed into the audit ledger
and, when the resident signed, covered by their signature. These checks find and name it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from madoguchi.signatures import canonical
from madoguchi.signatures import selectors as signature_selectors
from madoguchi.signatures import services as signature_services
from madoguchi.signatures.verify import SignatureInvalid

from . import selectors, services
from .models import Submission


@dataclass(frozen=True)
class Problem:
    receipt_number: str
    message: str

    def __str__(self) -> str:
        return f"{self.receipt_number}: {self.message}"


def submission_problems(submission: Submission, *, files: bool = False) -> list[str]:
    """What no longer holds for one submission; empty when it is intact."""
    problems = []
    stored = submission.document.encode("utf-8")
    try:
        created_at = canonical.created_at_of(canonical.parse_document(stored))
    except (ValueError, KeyError):
        return ["the recorded application document cannot be read"]
    recomputed = canonical.canonical_bytes(
        services.submission_document(submission, created_at=created_at)
    )
    if recomputed != stored:
        problems.append("answers or attachments differ from the recorded document")
    if hashlib.sha256(stored).hexdigest() != submission.document_sha256:
        problems.append("the document hash on the submission is not the document's")
    recorded = selectors.document_entries(submission)
    if not recorded:
        problems.append("the audit ledger has no record of this submission")
    elif recorded[0].detail["document"] != submission.document_sha256:
        problems.append("the audit ledger recorded a different document")
    if signature_selectors.evidence_for(submission) is not None:
        try:
            signature_services.reverify(submission)
        except SignatureInvalid as error:
            problems.append(f"the applicant's signature does not hold: {error}")
    if files:
        for attachment in submission.attachments.all():
            digest = hashlib.sha256()
            with attachment.file.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(chunk)
            if digest.hexdigest() != attachment.sha256:
                problems.append(f"the attached file “{attachment.name}” was changed")
    return problems


def audit(submissions: QuerySet[Submission], *, files: bool = False) -> Iterator[Problem]:
    """Check many submissions, a chunk at a time."""
    for submission in submissions.select_related("form_version__form__municipality").iterator(
        chunk_size=500
    ):
        for message in submission_problems(submission, files=files):
            yield Problem(submission.receipt_number, message)
