"""Where the application flow meets the resident's signature, without importing it.

``submissions`` sits below ``signatures`` in the app order (docs/architecture.md): the
flow may not import the signing code, so the signing app plugs into these ports when it
loads (``madoguchi.signatures.apps``), as login handlers plug into the identity callback:

- :class:`Signature` is what :func:`.services.submit_draft` and
  :func:`.corrections.apply_correction` accept as a signed document. Its bytes become the
  submission's document, and :meth:`Signature.record` stores the evidence (with its
  ledger event) inside the submission's own transaction, at the moment the flow chooses:
  the ledger keeps the order it always had.
- the signing step: the review page of a form with ``identity: mynumber_sign`` (and the
  review page of such a form's correction) hands the resident's "send" to the registered
  view, which sends them to sign. What happens on their return is the signing app's own
  login handler.
- integrity checks: :func:`.integrity.submission_problems` also asks every registered
  check (the signing app re-verifies stored signatures).

Nothing here is called when no signing app is installed, except a signing step, which
then fails loudly: a form that needs a signature cannot be sent without one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from .models import Correction, Draft, Submission

__all__ = [
    "Signature",
    "begin_correction_signing",
    "begin_signing",
    "integrity_checks",
    "register_integrity_check",
    "register_signing_step",
]


class Signature(Protocol):
    """A document the resident signed and the server verified (the signing app's type)."""

    @property
    def document(self) -> bytes:
        """The canonical document exactly as signed (see :mod:`.document`)."""

    @property
    def created_at(self) -> datetime:
        """The moment written into the document."""

    @property
    def document_sha256(self) -> str: ...

    def record(self, submission: Submission) -> object:
        """Store the evidence for ``submission`` in the caller's transaction."""


DraftStep = Callable[["HttpRequest", "Draft", str], HttpResponse]
CorrectionStep = Callable[["HttpRequest", "Correction", str], HttpResponse]
IntegrityCheck = Callable[["Submission"], list[str]]

_steps: dict[str, DraftStep | CorrectionStep] = {}
_checks: list[IntegrityCheck] = []


def register_signing_step(*, draft: DraftStep, correction: CorrectionStep) -> None:
    """Install the views that start signing a draft (resume token) or a correction (link
    token). Each answers the review page's POST: a redirect to the signing service, or
    the review page again with what went wrong."""
    _steps["draft"] = draft
    _steps["correction"] = correction


def _step(kind: str) -> Callable[..., HttpResponse]:
    try:
        return _steps[kind]
    except KeyError:
        raise ImproperlyConfigured(
            "This form needs a signature, but no installed app signs applications "
            "(madoguchi.signatures)."
        ) from None


def begin_signing(request: HttpRequest, draft: Draft, token: str) -> HttpResponse:
    """The review page's "send" for a form the resident signs."""
    return _step("draft")(request, draft, token)


def begin_correction_signing(
    request: HttpRequest, correction: Correction, token: str
) -> HttpResponse:
    """The correction review's "send" for a form the resident signs."""
    return _step("correction")(request, correction, token)


def register_integrity_check(check: IntegrityCheck) -> None:
    """Add a check of one stored submission; it returns problems (empty: intact)."""
    if check not in _checks:
        _checks.append(check)


def integrity_checks() -> list[IntegrityCheck]:
    return list(_checks)
