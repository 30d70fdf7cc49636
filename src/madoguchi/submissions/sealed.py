"""Whether an application's answers are sealed, held only as ciphertext (a port).

With end-to-end encryption on (madoguchi.integrations), a submission keeps its receipt
number, status and hashes while its answers, document and applicant name are emptied and
its files replaced by ciphertext: staff read it on the LGWAN side. Pages and checks below
that app (the back office's detail, the receipt PDF, the integrity audit) ask here, so they
say so instead of showing nothing or reporting a changed document; the integrations app
registers the check in its AppConfig.ready().

Invariant: the check only reads (one query at most) and never decrypts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Submission

Check = Callable[["Submission"], bool]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    """Add (or replace, so a reloaded app registers once) the check called ``name``."""
    _checks[name] = check


def is_sealed(submission: Submission) -> bool:
    """True when a registered check says the answers are held as ciphertext only."""
    return any(check(submission) for check in _checks.values())
