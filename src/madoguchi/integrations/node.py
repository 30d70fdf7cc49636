"""The node's role across 三層の対策 (MADOGUCHI_NODE_ROLE), and what the LGWAN node serves.

- ``single`` (default): one instance for residents and staff (an LGWAN-ASP style service).
- ``internet``: the resident-facing node of a two-node city. It serves residents, the staff
  pages a city admin needs there (system API clients, keys) and the system API. No setting
  names the LGWAN node: it never opens a connection towards it.
- ``lgwan``: the staff node. It runs the back office and ``madoguchi lgwan_sync``, which
  pulls applications from the internet node(s) in ``MADOGUCHI_PULL_SOURCES`` through the
  relay and pushes staff's status changes back; it needs no inbound route from the internet
  side, and its resident pages answer 404.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect


class Role(enum.StrEnum):
    SINGLE = "single"
    INTERNET = "internet"
    LGWAN = "lgwan"


def role() -> Role:
    """The role of this node, read at call time (tests switch it with override_settings)."""
    return Role(getattr(settings, "MADOGUCHI_NODE_ROLE", Role.SINGLE) or Role.SINGLE)


def is_lgwan() -> bool:
    return role() is Role.LGWAN


# What the LGWAN node serves: the staff side, health, the language switch, static files
# (WhiteNoise answers them before this middleware) and the audit ledger's public proofs.
LGWAN_PREFIXES = ("/staff/", "/healthz", "/i18n/", "/static/", "/ledger/")


class NodeRoleMiddleware:
    """On the LGWAN node, every resident-facing page answers 404 (``/`` leads to the staff
    login). Residents never reach this node; a page that answered here would be a page
    nobody checks. On the other roles it does nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_lgwan():
            if request.path == "/":
                return redirect("backoffice:inbox")
            if not request.path.startswith(LGWAN_PREFIXES):
                raise Http404("not served on the LGWAN node")
        return self.get_response(request)
