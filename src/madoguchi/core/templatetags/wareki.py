"""``{% load wareki %}``: dates as residents read them (jp.wareki.format_for_residents).

``{{ submission.submitted_at|wareki }}`` gives 令和8年4月1日（2026年）in Japanese and
1 April 2026 (Reiwa 8) in English; ``|wareki_time`` adds the time of day.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.translation import get_language

from madoguchi.jp.wareki import format_for_residents

register = template.Library()


def _as_date(value: date | datetime | str) -> date | datetime | str:
    """A date kept as ISO text (a JSON field's birth date) becomes a date; other text stays."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


@register.filter
def wareki(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    value = _as_date(value)
    if isinstance(value, str):
        return value
    return format_for_residents(value, language=get_language() or "ja")


@register.filter
def wareki_time(value: date | datetime | None) -> str:
    if value is None or value == "":
        return ""
    return format_for_residents(value, language=get_language() or "ja", time=True)
