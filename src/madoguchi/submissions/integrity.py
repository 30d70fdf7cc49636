"""Reads that check stored submissions against their recorded document and the ledger.

An answer or a file changed in the database (by a faulty import, a careless UPDATE or an
attacker) no longer matches the canonical document that was hashed into the audit ledger
and, when the resident signed, covered by their signature. These checks find and name it.
The signature is checked by the signing app, through :mod:`.signing`'s registered checks.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from . import document, sealed, selectors, signing
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
    if sealed.is_sealed(submission):
        # Answers, document and files are ciphertext here (end-to-end encryption): only
        # the ledger's record of the document hash can be checked without the key.
        return _ledger_problems(submission)
    stored = submission.document.encode("utf-8")
    try:
        parsed = document.parse_document(stored)
        created_at = document.created_at_of(parsed)
    except (ValueError, KeyError):
        return ["the recorded application document cannot be read"]
    recomputed = document.canonical_bytes(
        document.stored_document(submission, created_at=created_at)
    )
    if recomputed != stored:
        problems.append("answers or attachments differ from the recorded document")
    problems.extend(_files_outside_document(submission, parsed))
    if hashlib.sha256(stored).hexdigest() != submission.document_sha256:
        problems.append("the document hash on the submission is not the document's")
    problems.extend(_ledger_problems(submission))
    for check in signing.integrity_checks():  # the applicant's signature, when signed
        problems.extend(check(submission))
    if files:
        for attachment in submission.attachments.all():
            digest = hashlib.sha256()
            with attachment.file.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(chunk)
            if digest.hexdigest() != attachment.sha256:
                problems.append(f"the attached file “{attachment.display_name}” was changed")
    return problems


def _ledger_problems(submission: Submission) -> list[str]:
    recorded = selectors.document_entries(submission)
    if not recorded:
        return ["the audit ledger has no record of this submission"]
    if recorded[0].detail["document"] != submission.document_sha256:
        return ["the audit ledger recorded a different document"]
    return []


def _files_outside_document(
    submission: Submission, recorded_document: Mapping[str, Any]
) -> list[str]:
    """Files staff would see and export with the submission that its document does not
    name: a file attached behind the app's back, or an upload that stuck to it (a
    correction's file before the correction was sent, a file of a question that no longer
    applied). The recomputed document alone misses them: it counts named files only."""
    recorded = Counter(
        (str(a.get("field")), str(a.get("name")), a.get("size"), str(a.get("sha256")))
        for a in recorded_document.get("attachments") or []
        if isinstance(a, Mapping)
    )
    problems = []
    for attachment in submission.attachments.order_by("pk"):
        key = (attachment.field_key, attachment.name, attachment.size, attachment.sha256)
        if recorded[key] > 0:
            recorded[key] -= 1
        else:
            problems.append(
                f"the file “{attachment.display_name}” (question {attachment.field_key}) "
                "is attached but not in the recorded document"
            )
    return problems


def audit(submissions: QuerySet[Submission], *, files: bool = False) -> Iterator[Problem]:
    """Check many submissions, a chunk at a time."""
    for submission in submissions.select_related("form_version__form__municipality").iterator(
        chunk_size=500
    ):
        for message in submission_problems(submission, files=files):
            yield Problem(submission.receipt_number, message)
