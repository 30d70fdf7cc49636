"""Whether an application's answers are sealed, held only as ciphertext (a port).

With end-to-end encryption on (madoguchi.integrations), a submission keeps its receipt
number, status and hashes while its answers, document and applicant name are emptied and
its files replaced by ciphertext: staff read it on the LGWAN side. Pages and checks below
that app (the back office's detail, the receipt PDF, the integrity audit) ask here, so they
say so instead of showing nothing or reporting a changed document; the integrations app
registers the check in its AppConfig.ready().

Invariant: the check only reads (one query at most) and never decrypts.

A 差し戻し of a sealed application is resent sealed too: :mod:`.corrections` hands the
reopened answers and the new files to the registered *correction sealer*
(:func:`seal_correction`), inside the resend's transaction and under the row lock, and
commits none of them in clear. The sealer encrypts them, replaces the new files' stored bytes
by ciphertext and returns the SHA-256 of what it sealed (recorded in the ledger).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Attachment, Correction, Submission

Check = Callable[["Submission"], bool]
# (the correction being resent, the reopened answers, the files it adds) -> plaintext SHA-256
CorrectionSealer = Callable[["Correction", Mapping[str, Any], Sequence["Attachment"]], str]

_checks: dict[str, Check] = {}
_sealers: dict[str, CorrectionSealer] = {}


class NoSealer(RuntimeError):
    """A sealed application's correction was resent with no sealer registered."""


def register(name: str, check: Check) -> None:
    """Add (or replace, so a reloaded app registers once) the check called ``name``."""
    _checks[name] = check


def is_sealed(submission: Submission) -> bool:
    """True when a registered check says the answers are held as ciphertext only."""
    return any(check(submission) for check in _checks.values())


def register_correction_sealer(name: str, sealer: CorrectionSealer) -> None:
    """Add (or replace) the sealer called ``name``; one is expected (madoguchi.integrations)."""
    _sealers[name] = sealer


def seal_correction(
    correction: Correction, answers: Mapping[str, Any], attachments: Sequence[Attachment]
) -> str:
    """Seal a correction of a sealed application; the plaintext's SHA-256.

    Raises :class:`NoSealer` rather than keep the answers in clear when no app sealed it.
    """
    if not _sealers:
        raise NoSealer("no correction sealer is registered")
    digest = ""
    for sealer in _sealers.values():
        digest = sealer(correction, answers, attachments)
    return digest
