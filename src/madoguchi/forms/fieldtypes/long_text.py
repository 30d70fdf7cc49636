"""Several lines of text: a reason, a description. Line breaks are kept as ``\\n``."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy, pgettext_lazy

from ..schema import LongTextField
from .base import EditorProp, FieldType, check_length, declared_purpose, string_value
from .registry import register

_LINE_BREAKS = re.compile(r"\r\n?")


@register
class LongText(FieldType[LongTextField]):
    name = "long_text"
    model = LongTextField
    display_name = pgettext_lazy("field type", "Long text")
    template_name = "forms/fields/long_text.html"
    editor_props = (
        EditorProp("max_length", "int", gettext_lazy("Maximum length (characters)")),
        EditorProp("rows", "int", gettext_lazy("Height of the box (lines)")),
    )

    def clean(self, form_field: LongTextField, value: Any) -> str:
        # Browsers send CRLF; a lone CR (old Mac text pasted in) is a line break too.
        # Unlike one line of text, widths are kept: a description is quoted as written.
        text = _LINE_BREAKS.sub("\n", string_value(value)).strip()
        return check_length(
            text, min_length=form_field.min_length, max_length=form_field.max_length
        )

    def input_purpose(self, form_field: LongTextField) -> str:
        return declared_purpose(form_field)
