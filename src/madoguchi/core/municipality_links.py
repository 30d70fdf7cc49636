"""Links that apps above ``submissions`` add to a municipality's procedure list.

The procedure list (submissions) sits below the procedure guide and reservations in the app
layers, so it cannot ask them for their pages; they register a provider here in their
AppConfig.ready() instead, and the list shows what the providers give (the same seam as the
identity provider registry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from madoguchi.tenants.models import Municipality


@dataclass(frozen=True)
class MunicipalityLink:
    """One link on the procedure list: where it goes, its text and a line under it, both
    already in the page's language."""

    url: str
    label: str
    hint: str = ""


LinkProvider = Callable[[Municipality, str], list[MunicipalityLink]]

_providers: dict[str, LinkProvider] = {}


def register(name: str, provider: LinkProvider) -> None:
    """Add (or, for the same name, replace) a provider; names keep ready() idempotent."""
    _providers[name] = provider


def links_for(municipality: Municipality, language: str) -> list[MunicipalityLink]:
    """Every registered provider's links, in the order the providers were registered."""
    return [link for provider in _providers.values() for link in provider(municipality, language)]
