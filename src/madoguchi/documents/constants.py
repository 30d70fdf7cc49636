"""Names shared by the issuing side and the offline verifier (no Django models here)."""

from __future__ import annotations

import hashlib

FORMAT = "madoguchi-receipt/1"
ATTACHMENT_NAME = "madoguchi-evidence.json"
FIELD_NAME = "Madoguchi受付証"
_DESCRIPTION_PREFIX = "Madoguchi receipt evidence; SHA-256 "


def evidence_description(evidence: bytes) -> str:
    """The attachment's /Desc. It names the evidence's hash so that, when the seal breaks,
    a verifier can say whether the evidence or the rest of the PDF was changed."""
    return _DESCRIPTION_PREFIX + hashlib.sha256(evidence).hexdigest()


def described_sha256(description: str) -> str | None:
    if description.startswith(_DESCRIPTION_PREFIX):
        return description[len(_DESCRIPTION_PREFIX) :]
    return None
