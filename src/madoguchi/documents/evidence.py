"""The evidence a receipt carries as the attached file ``madoguchi-evidence.json``.

It holds everything an offline verifier needs besides the public keys: the canonical
application document, the resident's signature evidence (when they signed), and the
audit-ledger entry of the submission with an inclusion proof up to a signed checkpoint.
It is serialised with RFC 8785, so a verifier can tell that not a byte was reformatted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import rfc8785

from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.ledger import services as ledger_services
from madoguchi.signatures import selectors as signature_selectors
from madoguchi.submissions import sealed
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Submission

from .constants import ATTACHMENT_NAME, FORMAT

__all__ = [
    "ATTACHMENT_NAME",
    "FORMAT",
    "Evidence",
    "collect",
    "serialise",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """The evidence document, and the facts the printed summary shows."""

    document: dict[str, Any]
    ledger_index: int | None
    checkpoint_size: int | None
    checkpoint_root: str


def _signature_bundle(submission: Submission) -> dict[str, Any] | None:
    evidence = signature_selectors.evidence_for(submission)
    return evidence.bundle() if evidence is not None else None


def _ledger_part(submission: Submission) -> tuple[dict[str, Any] | None, int | None, str]:
    """The ledger entry that recorded this document, with a proof to a checkpoint covering it.

    That is the submission's entry, or after 差し戻し the resubmission's, which names the
    corrected document.
    """
    entry = next(
        (
            e
            for e in submission_selectors.document_entries(submission)
            if e.detail["document"] == submission.document_sha256
        ),
        None,
    )
    if entry is None:
        # Submissions made before the ledger existed have no entry; the receipt says so.
        logger.warning("no ledger entry for receipt %s", submission.receipt_number)
        return None, None, ""
    checkpoint = ledger_services.checkpoint_covering(entry.index)
    proof = ledger_selectors.inclusion_proof(entry.index, checkpoint.tree_size)
    part = {
        "entry": entry.as_export(),
        "proof": [node.hex() for node in proof],
        "checkpoint": checkpoint.note,
    }
    return part, checkpoint.tree_size, str(checkpoint.root_hash)


def collect(submission: Submission) -> Evidence:
    """Gather the evidence for one submission (may sign a new ledger checkpoint)."""
    text, digest = submission.document, submission.document_sha256
    ledger, tree_size, root = _ledger_part(submission)
    document = {
        "format": FORMAT,
        "receipt_number": submission.receipt_number,
        "public_id": str(submission.public_id),
        "municipality": {
            "lg_code": submission.municipality.lg_code,
            "name": submission.municipality.name,
        },
        "document": text,
        "document_sha256": digest,
        "signature": _signature_bundle(submission),
        "ledger": ledger,
    }
    if sealed.is_sealed(submission):
        # Encrypted end to end (integrations): the data stays with the department's key.
        document["document_withheld"] = "encrypted"
    index = ledger["entry"]["index"] if ledger else None
    return Evidence(document, index, tree_size, root)


def serialise(document: dict[str, Any]) -> bytes:
    """RFC 8785 bytes: the only serialisation a verifier accepts."""
    return bytes(rfc8785.dumps(document))
