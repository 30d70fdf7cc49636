"""Prepare fields for the templates: labels in the active language, values, errors, widgets.

Templates stay dumb: everything a field needs to render accessibly (ids, described-by,
checked options, 和暦 parts) is computed here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.jp import wareki

from . import conditions
from .answers import display_value
from .schema import (
    ChoiceField,
    DateField,
    FileField,
    FormField,
    FormSchema,
    InfoField,
    NumberField,
    PostalCodeField,
    Step,
)

ERA_CHOICES = [("seireki", "西暦")] + [(era.key, era.name) for era in reversed(wareki.ERAS)]


@dataclass
class OptionView:
    value: str
    label: str
    checked: bool


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
        return " ".join(ids)


def _date_parts(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(value.get(k, "")) for k in ("era", "year", "month", "day")}
    if isinstance(value, str) and value:
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return {"era": "reiwa", "year": "", "month": "", "day": ""}
        if parsed < wareki.ERAS[0].start:
            # No era before 明治: show the answer in the Western calendar rather than lose it.
            return {
                "era": "seireki",
                "year": str(parsed.year),
                "month": str(parsed.month),
                "day": str(parsed.day),
            }
        converted = wareki.to_wareki(parsed)
        return {
            "era": converted.era.key,
            "year": str(converted.year),
            "month": str(converted.month),
            "day": str(converted.day),
        }
    return {"era": "reiwa", "year": "", "month": "", "day": ""}


def field_view(
    form_field: FormField,
    *,
    value: Any,
    errors: list[str],
    answers: dict[str, Any],
    locked: bool = False,
) -> FieldView:
    language = get_language() or "ja"
    view = FieldView(
        key=form_field.key,
        type=form_field.type,
        label=form_field.label.get(language),
        help=form_field.help.get(language) if form_field.help else "",
        required=form_field.required,
        value=value,
        errors=errors,
        locked=locked,
        visible=conditions.field_applies(form_field, answers),
        visible_if=json.dumps(form_field.visible_if) if form_field.visible_if else "",
    )
    if isinstance(form_field, ChoiceField):
        selected = value if isinstance(value, list) else [value]
        view.widget = form_field.widget
        view.options = [
            OptionView(o.value, o.label.get(language), o.value in selected)
            for o in form_field.options
        ]
    elif isinstance(form_field, DateField):
        view.extra = {"parts": _date_parts(value), "eras": ERA_CHOICES}
    elif isinstance(form_field, NumberField):
        view.extra = {
            "unit": form_field.unit.get(language) if form_field.unit else "",
            "inputmode": "numeric" if form_field.integer else "decimal",
        }
    elif isinstance(form_field, InfoField):
        view.extra = {"body": form_field.body.get(language)}
    elif isinstance(form_field, PostalCodeField):
        view.extra = {"address_field": form_field.address_field or ""}
    elif isinstance(form_field, FileField):
        view.extra = {"accept": ",".join(form_field.accept), "max_size_mb": form_field.max_size_mb}
    if form_field.required_if:
        view.extra["required_if"] = json.dumps(form_field.required_if)
        view.required = view.required or conditions.field_required(form_field, answers)
    return view


def step_views(
    step: Step,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    answers: dict[str, Any],
    locked_keys: frozenset[str] = frozenset(),
) -> list[FieldView]:
    return [
        field_view(
            f,
            value=values.get(f.key),
            errors=errors.get(f.key, []),
            answers=answers,
            locked=f.key in locked_keys,
        )
        for f in step.fields
    ]


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
