"""Prepare fields for the templates: labels in the active language, values, errors, widgets.

Templates stay dumb: everything a field needs to render accessibly (ids, described-by,
checked options, 和暦 parts) is computed here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import conditions, fieldtypes
from .answers import display_value
from .fieldtypes.base import INPUT_PURPOSES, OptionView
from .fieldtypes.date import default_era, era_choices
from .schema import FormField, FormSchema, Step

__all__ = [
    "INPUT_PURPOSES",
    "AnswerSection",
    "FieldView",
    "OptionView",
    "ProgressView",
    "answer_sections",
    "default_era",
    "era_choices",
    "field_view",
    "input_purpose",
    "progress",
    "step_views",
]


def input_purpose(form_field: FormField) -> str:
    """The ``autocomplete`` token of a question, or ``""`` when it has no listed purpose.

    Emails, phone numbers and postal codes have theirs by type; other questions take the
    token the form declares (the builder stores it) or the one their card prefill implies,
    where their type can carry one (see each type's ``input_purpose``).
    """
    return fieldtypes.of(form_field).input_purpose(form_field)


@dataclass
class FieldView:
    key: str
    type: str
    label: str
    help: str
    required: bool
    value: Any
    errors: list[str]
    locked: bool
    visible: bool
    options: list[OptionView] = field(default_factory=list)
    widget: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # JSON Logic for the browser; the server re-evaluates regardless.
    visible_if: str = ""
    # The HTML autofill token (WCAG 1.3.5); "" for none.
    autocomplete: str = ""
    # The type's own template (forms/fields/<type>.html), drawn inside forms/fields/field.html.
    template_name: str = ""
    # False for text between questions: its template is drawn without the question's box.
    collects_input: bool = True

    @property
    def dom_id(self) -> str:
        return f"field-{self.key}"

    @property
    def described_by(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.dom_id}-help")
        if self.errors:
            ids.append(f"{self.dom_id}-error")
        if self.locked:
            ids.append(f"{self.dom_id}-locked")
        return " ".join(ids)

    def part_autocomplete(self, part: str) -> str:
        """``bday-year`` for the year box of a date of birth; ``off`` for other dates."""
        return f"{self.autocomplete}-{part}" if self.autocomplete == "bday" else "off"

    @property
    def autocomplete_year(self) -> str:
        return self.part_autocomplete("year")

    @property
    def autocomplete_month(self) -> str:
        return self.part_autocomplete("month")

    @property
    def autocomplete_day(self) -> str:
        return self.part_autocomplete("day")


def field_view(
    form_field: FormField,
    *,
    value: Any,
    errors: list[str],
    answers: dict[str, Any],
    locked: bool = False,
    locked_keys: frozenset[str] = frozenset(),
) -> FieldView:
    language = get_language() or "ja"
    field_type = fieldtypes.of(form_field)
    view = FieldView(
        key=form_field.key,
        type=form_field.type,
        label=form_field.label.get(language),
        # Hints say how to type; a locked answer is not typed, and a hint such as "if you
        # moved, enter your new address" would contradict the lock.
        help=form_field.help.get(language) if form_field.help and not locked else "",
        required=form_field.required,
        value=value,
        errors=errors,
        locked=locked,
        visible=conditions.field_applies(form_field, answers),
        visible_if=json.dumps(form_field.visible_if) if form_field.visible_if else "",
        autocomplete=field_type.input_purpose(form_field),
        template_name=field_type.template_name,
        collects_input=form_field.collects_input,
    )
    widget = field_type.widget(form_field, value=value, language=language, locked_keys=locked_keys)
    view.widget, view.options, view.extra = widget.widget, widget.options, widget.extra
    if locked and field_type.locked_as_text:
        # Shown as read-only text: disabled radios and selects are greyed out and unreadable.
        view.extra["locked_as_text"] = True
        view.extra["locked_text"] = display_value(form_field, value) if value else ""
    if form_field.required_if and not form_field.required:
        # The tag says what is true now (from the answers so far); the browser updates it
        # when an answer the rule reads changes on this page.
        view.extra["required_if"] = json.dumps(form_field.required_if)
        view.required = conditions.field_required(form_field, answers)
    return view


def step_views(
    step: Step,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    answers: dict[str, Any],
    locked_keys: frozenset[str] = frozenset(),
) -> list[FieldView]:
    values = values | _filled_on_page(step, values, locked_keys)
    return [
        field_view(
            f,
            value=values.get(f.key),
            errors=errors.get(f.key, []),
            answers=answers,
            locked=f.key in locked_keys,
            locked_keys=locked_keys,
        )
        for f in step.fields
    ]


def _filled_on_page(
    step: Step, values: dict[str, Any], locked_keys: frozenset[str]
) -> dict[str, Any]:
    """Answers questions take from others on the page (a postal code for the address the
    card filled), for questions neither locked nor answered yet by the resident."""
    filled: dict[str, Any] = {}
    for form_field in step.fields:
        if form_field.key in locked_keys:
            continue
        value = fieldtypes.of(form_field).filled_on_page(
            form_field, values, locked_keys=locked_keys
        )
        if value is not None:
            filled[form_field.key] = value
    return filled


@dataclass
class ProgressView:
    number: int
    title: str
    current: bool
    done: bool


def progress(
    schema: FormSchema, answers: dict[str, Any], current: int | None
) -> list[ProgressView]:
    """The applicable steps plus the review page, numbered as the resident sees them."""
    language = get_language() or "ja"
    items = []
    for number, (index, step) in enumerate(conditions.applicable_steps(schema, answers), start=1):
        items.append(
            ProgressView(
                number=number,
                title=step.title.get(language),
                current=index == current,
                done=current is None or index < current,
            )
        )
    items.append(
        ProgressView(number=len(items) + 1, title=_("Review"), current=current is None, done=False)
    )
    return items


@dataclass
class AnswerSection:
    step_index: int
    title: str
    rows: list[dict[str, str]]


def answer_sections(
    schema: FormSchema, answers: dict[str, Any], *, answered_only: bool = False
) -> list[AnswerSection]:
    """The answers as they read, step by step: the review page, the staff screen."""
    language = get_language() or "ja"
    sections = []
    for index, step in conditions.applicable_steps(schema, answers):
        rows = [
            {
                "key": f.key,
                "label": f.label.get(language),
                "value": display_value(f, answers.get(f.key)),
            }
            for f in step.fields
            if f.collects_input
            and conditions.field_applies(f, answers)
            and (f.key in answers or not answered_only)
        ]
        if rows or not answered_only:
            sections.append(AnswerSection(index, step.title.get(language), rows))
    return sections
