"""Turning what a resident typed into validated answers.

Two doors lead here: HTML form posts (:func:`raw_from_post`) and JSON from the API.
Both end in :func:`clean_answers`, so the rules are the same whichever channel is used.
Messages are in the active language and say what to fix. What each type of question
accepts lives in its module under :mod:`madoguchi.forms.fieldtypes`; this module applies
the rules every question shares (storable text, conditions, required answers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from madoguchi.jp import text as jp_text
from madoguchi.jp.errors import InvalidJapaneseInput

from . import conditions, fieldtypes
from .fieldtypes.base import FieldInvalid, japanese_error, label_of
from .fieldtypes.date import date_range, display_date
from .schema import FormField, FormSchema

__all__ = [
    "CleanResult",
    "FieldInvalid",
    "clean_answers",
    "clean_value",
    "date_range",
    "display_date",
    "display_value",
    "is_empty",
    "label_of",
    "raw_from_post",
    "unknown_keys",
]


@dataclass
class CleanResult:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def raw_from_post(form_field: FormField, data: Mapping[str, Any]) -> Any:
    """Read one field's raw value from a (Query)dict posted by the HTML form."""
    return fieldtypes.of(form_field).raw_from_post(form_field, data)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False or value == {}


def clean_value(form_field: FormField, value: Any) -> Any:
    """Validate and normalise one non-empty value; raises FieldInvalid with a message.

    Each type takes only its own JSON shape, and no string anywhere in the value may hold
    a character that cannot be stored (:mod:`madoguchi.jp.text`), so both databases and
    the canonical document accept whatever passes.
    """
    try:
        jp_text.check_value(value)
        return fieldtypes.of(form_field).clean(form_field, value)
    except InvalidJapaneseInput as error:
        raise japanese_error(error) from error


def clean_answers(
    schema: FormSchema,
    raw: Mapping[str, Any],
    *,
    fields: Iterable[FormField] | None = None,
    known: Mapping[str, Any] | None = None,
    locked: Mapping[str, Any] | None = None,
) -> CleanResult:
    """Validate ``fields`` (default: the whole form) given answers already ``known``.

    Conditions see the known answers merged with this batch, so a rule may depend on
    a field on the same page. Answers to fields that do not apply are dropped: a
    resident who changes their mind leaves nothing hidden behind. ``locked`` values
    (from a verified identity) replace whatever was sent for those fields.
    """
    targets = [f for f in (fields if fields is not None else schema.fields()) if f.collects_input]
    locked = locked or {}
    result = CleanResult()
    candidates: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for form_field in targets:
        value = locked.get(form_field.key, raw.get(form_field.key))
        if is_empty(value):
            continue
        try:
            cleaned = clean_value(form_field, value)
        except FieldInvalid as error:
            problems[form_field.key] = error.message
            continue
        # Only spaces (full-width ones too) normalise to "": that is no answer.
        if not is_empty(cleaned):
            candidates[form_field.key] = cleaned
    target_keys = {f.key for f in targets}
    merged = {k: v for k, v in (known or {}).items() if k not in target_keys} | candidates
    applicable = {f.key for f in conditions.applicable_fields(schema, merged)}
    for form_field in targets:
        key = form_field.key
        if key not in applicable:
            continue
        if key in problems:
            result.errors[key] = [problems[key]]
        elif key in candidates:
            result.answers[key] = candidates[key]
        elif conditions.field_required(form_field, merged):
            result.errors[key] = [fieldtypes.of(form_field).missing_message(form_field)]
    return result


def unknown_keys(schema: FormSchema, raw: Mapping[str, Any]) -> list[str]:
    known = {f.key for f in schema.fields()}
    return sorted(k for k in raw if k not in known)


def display_value(form_field: FormField, value: Any) -> str:
    """How an answer reads on the review page, the receipt and the staff screen."""
    if value is None or value == "" or value == []:
        return ""
    return fieldtypes.of(form_field).display(form_field, value, language=get_language() or "ja")
