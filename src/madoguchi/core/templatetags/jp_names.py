"""``{{ municipality.prefecture|prefecture:LANGUAGE_CODE }}``: 石川県, or Ishikawa in English."""

from __future__ import annotations

from django import template

from madoguchi.jp import prefectures

register = template.Library()


@register.filter
def prefecture(value: str, language: str) -> str:
    return prefectures.localized(value, language)
