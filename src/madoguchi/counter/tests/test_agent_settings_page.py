"""The card agent settings page may reach the agent on loopback ("Test the connection"),
and nothing else beyond the site: its policy widens connect-src to loopback only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.testing.staff import log_in_staff

from .card_helpers import a_counter

pytestmark = pytest.mark.django_db


def _directive(policy: str, name: str) -> list[str]:
    found = next(d.split() for d in policy.split(";") if d.strip().startswith(name))
    return found[1:]


def test_the_settings_page_may_connect_to_the_agent_on_loopback_only() -> None:
    staff = log_in_staff(a_counter().clerk)

    page = staff.get(reverse("counter:card_agent_settings"))

    assert page.status_code == 200
    connect = _directive(page["Content-Security-Policy"], "connect-src")
    assert set(connect) == {"'self'", "http://127.0.0.1:*", "http://localhost:*"}
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
