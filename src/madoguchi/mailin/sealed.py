"""Sealing a mail-in application's answers while the paper is on its way (a port).

With end-to-end encryption on for a form (``madoguchi.integrations``), a mail-in application
must not wait weeks on the internet node with its answers in clear. Preparing one then keeps
``MailApplication.answers`` empty and stores ``MailApplication.sealed`` instead: the canonical
answers encrypted to the department's key(s), the city's escrow key and a key derived from the
resident's secret link (so the resident's own link, and nothing stored here, opens them again
for the PDF). Intake takes the answers from the paper's QR code, checked against
``answers_sha256`` as for an expired application; a sealed paper therefore always carries its
answers in its code (preparation refuses answers that do not fit it).

The integrations app registers the one :class:`Sealer` in its AppConfig.ready(); without it
(or with the policy off) mail-in keeps its answers as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from madoguchi.forms.models import FormVersion

    from .models import MailApplication


class Sealer(Protocol):
    def applies(self, form_version: FormVersion) -> bool:
        """Whether applications of this form are sealed now (the form's or city's policy)."""

    def seal(
        self,
        *,
        application: MailApplication,
        answers: Mapping[str, Any],
        resident_token: str | None,
    ) -> dict[str, Any]:
        """The sealed payload of ``answers`` (JSON), for ``MailApplication.sealed``; raises
        a ``Refused`` when the department or the city has no current key."""

    def open(self, *, application: MailApplication, resident_token: str) -> dict[str, Any]:
        """The answers, opened with the key the resident's link gives; raises ``ValueError``
        when this link does not open them."""


_sealers: dict[str, Sealer] = {}


def register(name: str, sealer: Sealer) -> None:
    """Set (or replace, so a reloaded app registers once) the sealer called ``name``."""
    _sealers[name] = sealer


def sealer_for(form_version: FormVersion) -> Sealer | None:
    """The sealer that applies to new mail applications of ``form_version``, if any."""
    return next((s for s in _sealers.values() if s.applies(form_version)), None)


def opener() -> Sealer | None:
    """The sealer that opens stored sealed answers (whatever the policy says today)."""
    return next(iter(_sealers.values()), None)
