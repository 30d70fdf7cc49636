"""A reading in katakana or hiragana (フリガナ): widths folded, other scripts refused."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy, pgettext_lazy

from madoguchi.jp import kana as jp_kana
from madoguchi.jp.errors import InvalidJapaneseInput

from ..schema import KanaField
from .base import EditorProp, FieldType, check_length, japanese_error, string_value
from .registry import register


@register
class Kana(FieldType[KanaField]):
    name = "kana"
    model = KanaField
    display_name = pgettext_lazy("field type", "Reading (kana)")
    template_name = "forms/fields/text.html"
    searched_as_name = True
    editor_props = (
        EditorProp(
            "script",
            "select",
            gettext_lazy("Script"),
            "",
            [("katakana", gettext_lazy("Katakana")), ("hiragana", gettext_lazy("Hiragana"))],
        ),
        EditorProp("max_length", "int", gettext_lazy("Maximum length (characters)")),
    )

    def clean(self, form_field: KanaField, value: Any) -> str:
        text = jp_kana.normalize_width(string_value(value))
        try:
            if form_field.script == "katakana":
                text = jp_kana.validate_katakana(text)
            else:
                text = jp_kana.validate_hiragana(text)
        except InvalidJapaneseInput as error:
            raise japanese_error(error) from error
        return check_length(text, min_length=None, max_length=form_field.max_length)
