"""One line of text: a name, an address, a number written with letters."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from madoguchi.jp import kana

from ..schema import TextField
from .base import (
    EditorProp,
    FieldInvalid,
    FieldType,
    check_length,
    declared_purpose,
    label_of,
    string_value,
)
from .registry import register


@register
class Text(FieldType[TextField]):
    name = "text"
    model = TextField
    display_name = pgettext_lazy("field type", "Short text")
    template_name = "forms/fields/text.html"
    editor_props = (
        EditorProp("max_length", "int", gettext_lazy("Maximum length (characters)")),
        EditorProp("min_length", "int", gettext_lazy("Minimum length (characters)")),
        EditorProp("pattern", "text", gettext_lazy("Format (regular expression, for experts)")),
        EditorProp("pattern_message", "ltext", gettext_lazy("Message when the format is wrong")),
    )

    def clean(self, form_field: TextField, value: Any) -> str:
        # Widths fold the way administrative systems expect (ＡＢＣ is ABC, ｶﾞ is ガ).
        text = kana.normalize_width(string_value(value))
        check_length(text, min_length=form_field.min_length, max_length=form_field.max_length)
        _check_pattern(form_field, text)
        return text

    def input_purpose(self, form_field: TextField) -> str:
        return declared_purpose(form_field)


def _check_pattern(form_field: TextField, text: str) -> None:
    if not form_field.pattern or not text or re.fullmatch(form_field.pattern, text):
        return
    if form_field.pattern_message:
        raise FieldInvalid(form_field.pattern_message.get(get_language() or "ja"))
    raise FieldInvalid(_("Check the format of “%(label)s”.") % {"label": label_of(form_field)})
