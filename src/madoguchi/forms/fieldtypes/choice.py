"""Options to choose from: radio buttons, a drop-down list, or check boxes (several)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ..schema import ChoiceField
from .base import (
    CellRenderer,
    EditorProp,
    ExportCells,
    FieldInvalid,
    FieldType,
    OptionView,
    Widget,
    declared_purpose,
    json_list,
    label_of,
)
from .registry import register


@register
class Choice(FieldType[ChoiceField]):
    name = "choice"
    model = ChoiceField
    display_name = pgettext_lazy("field type", "Choice")
    template_name = "forms/fields/choice.html"
    takes_prefill = False
    locked_as_text = True
    editor_props = (
        EditorProp(
            "options",
            "options",
            gettext_lazy("Options"),
            gettext_lazy(
                "One option per line. Optionally add the English label after a bar: "
                "電話 | By phone."
            ),
        ),
        EditorProp(
            "widget",
            "select",
            gettext_lazy("How the options are shown"),
            "",
            [
                ("radio", gettext_lazy("Round buttons: choose one")),
                ("select", gettext_lazy("Drop-down list: choose one")),
                ("checkbox", gettext_lazy("Check boxes: choose several")),
            ],
        ),
        EditorProp("min_selected", "int", gettext_lazy("At least this many (check boxes)")),
        EditorProp("max_selected", "int", gettext_lazy("At most this many (check boxes)")),
    )

    def raw_from_post(self, form_field: ChoiceField, data: Mapping[str, Any]) -> Any:
        if not form_field.multiple:
            return data.get(form_field.key, "")
        getlist = getattr(data, "getlist", None)
        return list(getlist(form_field.key)) if getlist else list(data.get(form_field.key) or [])

    def missing_message(self, form_field: ChoiceField) -> str:
        return _("Choose an answer for “%(label)s”.") % {"label": label_of(form_field)}

    def clean(self, form_field: ChoiceField, value: Any) -> str | list[str]:
        allowed = {option.value for option in form_field.options}
        if not form_field.multiple:
            if not isinstance(value, str) or value not in allowed:
                raise FieldInvalid(_("Choose from the options shown."))
            return value
        # Only a list of option values: list() of a string or an object would split it into
        # letters or keys and accept what the resident never chose.
        if not isinstance(value, list):
            raise FieldInvalid(_("Choose from the options shown."))
        if any(not isinstance(v, str) or v not in allowed for v in value):
            raise FieldInvalid(_("Choose from the options shown."))
        # Keep the schema's order and drop duplicates, whatever order the browser sent.
        selected = [o.value for o in form_field.options if o.value in value]
        if form_field.min_selected and len(selected) < form_field.min_selected:
            raise FieldInvalid(_("Choose at least %(count)d.") % {"count": form_field.min_selected})
        if form_field.max_selected and len(selected) > form_field.max_selected:
            raise FieldInvalid(_("Choose at most %(count)d.") % {"count": form_field.max_selected})
        return selected

    def card_answer(self, form_field: ChoiceField, value: str) -> str | list[str] | None:
        if value not in {o.value for o in form_field.options}:
            # The form's options do not name this value: let the resident answer.
            return None
        return [value] if form_field.multiple else value

    def display(self, form_field: ChoiceField, value: Any, *, language: str) -> str:
        # Values of options an earlier version had (and this one dropped) show as stored.
        labels = {o.value: o.label.get(language) for o in form_field.options}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values)

    def input_purpose(self, form_field: ChoiceField) -> str:
        # A select can take a purpose; radios and checkboxes cannot.
        return declared_purpose(form_field) if form_field.widget == "select" else ""

    def widget(
        self, form_field: ChoiceField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        selected = value if isinstance(value, list) else [value]
        return Widget(
            widget=form_field.widget,
            options=[
                OptionView(o.value, o.label.get(language), o.value in selected)
                for o in form_field.options
            ],
        )

    def export_renderer(self, form_field: ChoiceField, cells: ExportCells) -> CellRenderer:
        labels = {o.value: o.label.get(cells.language) for o in form_field.options}
        multiple = form_field.multiple

        def choice(value: Any) -> str:
            values = json_list(value) if multiple else [value]
            return "、".join(labels.get(str(v), str(v)) for v in values)

        return choice

    def tally_options(self, form_field: ChoiceField) -> list[str]:
        return [o.value for o in form_field.options]
