"""The result of checking a receipt: one named check after another (documents.verify).

Kept apart so that each group of checks (the seal in :mod:`.verify_seal`, the rest in
:mod:`.verify`) writes into the same report without importing the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Check", "ReceiptReport"]

DAMAGED_STRUCTURE = "The PDF's structure is damaged: it was changed after the city signed it."

# Names of the checks, in the order they are reported.
SEAL, TIMESTAMP, EVIDENCE, DOCUMENT, SIGNATURE, LEDGER = (
    "seal",
    "timestamp",
    "evidence",
    "document",
    "signature",
    "ledger",
)


@dataclass(frozen=True)
class Check:
    """One result. ``ok`` is None when the check could not be made (and says why)."""

    name: str
    ok: bool | None
    message: str


@dataclass
class ReceiptReport:
    checks: list[Check] = field(default_factory=list)
    receipt_number: str = ""
    municipality: str = ""
    sealed_by: str = ""
    timestamp: str = ""

    @property
    def ok(self) -> bool:
        """Valid: the seal verified and nothing failed."""
        seal_ok = any(c.name == SEAL and c.ok for c in self.checks)
        return seal_ok and not self.failures

    @property
    def failures(self) -> list[str]:
        return [c.message for c in self.checks if c.ok is False]

    def failed(self, name: str) -> bool:
        return any(c.name == name and c.ok is False for c in self.checks)

    def add(self, name: str, ok: bool | None, message: str) -> None:
        self.checks.append(Check(name, ok, message))
