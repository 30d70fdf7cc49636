"""Sections that apps above the back office add to the statistics page (a port).

The share of applications decided within the 標準処理期間 is computed per procedure of the
inventory (madoguchi.catalog), which the back office may not import: the catalog registers
a section in its AppConfig.ready(), and the statistics page renders what every section
returns, after the list of forms.

Invariant: a section shows only what the staff member may see (their departments, or the
whole city for administrators) and no personal data; it returns a rendered template
(SafeString), or an empty SafeString for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.http import HttpRequest

    from madoguchi.tenants.models import StaffMember

Section = Callable[["HttpRequest", "StaffMember"], SafeString]

_sections: dict[str, Section] = {}


def register(name: str, section: Section) -> None:
    """Add (or replace, so a reloaded app registers once) the section called ``name``."""
    _sections[name] = section


def render(request: HttpRequest, staff: StaffMember) -> list[SafeString]:
    """Every registered section's HTML, leaving out the empty ones."""
    return [html for section in _sections.values() if (html := section(request, staff))]
