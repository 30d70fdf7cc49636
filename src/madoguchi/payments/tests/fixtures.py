"""Fixtures of the core payment tests (imported by name; the simulator's is ``paysim``)."""

from __future__ import annotations

from typing import Any

import pytest

from madoguchi.core import events
from madoguchi.testing.payments import PaySim, paysim

__all__ = ["paysim", "recorded", "site"]

Recorded = list[tuple[str, str, dict[str, str]]]


@pytest.fixture
def site(paysim: PaySim, settings: Any) -> PaySim:
    """The simulator, with the site's own URL on the live server too (success_url, links)."""
    settings.MADOGUCHI_SITE_URL = paysim.base_url
    return paysim


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    """Every ledger event recorded during the test (the live server's thread included)."""
    seen: Recorded = []

    def subscriber(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        seen.append((str(event), subject, detail))

    monkeypatch.setattr(events, "_subscribers", [*events._subscribers, subscriber])
    return seen


def kinds(recorded: Recorded, prefix: str = "payment.") -> list[str]:
    return [kind for kind, _subject, _detail in recorded if kind.startswith(prefix)]
