"""Text between questions (a note, an instruction). It asks nothing and stores nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ..schema import InfoField
from .base import EditorProp, FieldInvalid, FieldType, Widget
from .registry import register


@register
class Info(FieldType[InfoField]):
    name = "info"
    model = InfoField
    display_name = pgettext_lazy("field type", "Information text")
    template_name = "forms/fields/info.html"
    takes_prefill = False
    collects_input = False
    editor_props = (EditorProp("body", "ltext", gettext_lazy("Text")),)

    def clean(self, form_field: InfoField, value: Any) -> Any:
        raise FieldInvalid(_("This question takes no answer."))

    def widget(
        self, form_field: InfoField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        return Widget(extra={"body": form_field.body.get(language)})
