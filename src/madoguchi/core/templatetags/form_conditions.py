"""``needs_conditions``: does this page show a question with a condition (JSON Logic)?

Only such pages load the JSON Logic script (``vendor/logic.js``); every other page
does without it (base.html).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

register = template.Library()


def _has_condition(item: Any) -> bool:
    extra = getattr(item, "extra", None)
    return bool(getattr(item, "visible_if", "")) or (
        isinstance(extra, dict) and bool(extra.get("required_if"))
    )


@register.filter
def needs_conditions(items: Iterable[Any] | None) -> bool:
    """True when any field, or any field of any section, has a visibility or requirement rule."""
    if not items or isinstance(items, str):
        return False
    for item in items:
        nested = item.get("fields") if isinstance(item, dict) else getattr(item, "fields", None)
        if _has_condition(item) or (nested is not None and needs_conditions(nested)):
            return True
    return False
