"""JSON Logic conditions: which steps and fields apply, and which are required.

The same expressions run in the browser (json-logic-js) to show and hide fields as the
resident types; the server's answer is the one that counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from json_logic import jsonLogic

from .schema import FormField, FormSchema, JsonLogic, Step, refused_operators


class RuleFailed(Exception):
    """A rule could not be evaluated for these answers (or uses a refused operator)."""


def evaluate(logic: JsonLogic, answers: Mapping[str, Any]) -> Any:
    """The value of a JSON Logic rule for these answers.

    Rules come from form definitions, which cities exchange as files: an operator outside
    ``schema.ALLOWED_OPERATORS`` is refused here too, not only when the schema is read.
    """
    if refused_operators(logic):
        raise RuleFailed("the rule uses an operator forms may not use")
    try:
        return jsonLogic(logic, dict(answers))
    except Exception as error:  # any answers must give an answer, never a crash
        # A missing or mistyped answer, an index past a list's end, a number too large.
        raise RuleFailed(type(error).__name__) from error


def holds(logic: JsonLogic | None, answers: Mapping[str, Any], *, default: bool = True) -> bool:
    """Evaluate a condition against answers; no condition means ``default``."""
    if not logic:
        return default
    try:
        return bool(evaluate(logic, answers))
    except RuleFailed:
        # A rule comparing a missing or mistyped answer is simply not satisfied.
        return False


def step_applies(step: Step, answers: Mapping[str, Any]) -> bool:
    return holds(step.visible_if, answers)


def field_applies(field: FormField, answers: Mapping[str, Any]) -> bool:
    return holds(field.visible_if, answers)


def field_required(field: FormField, answers: Mapping[str, Any]) -> bool:
    return field.required or holds(field.required_if, answers, default=False)


def applicable_steps(schema: FormSchema, answers: Mapping[str, Any]) -> Iterator[tuple[int, Step]]:
    for index, step in enumerate(schema.steps):
        if step_applies(step, answers):
            yield index, step


def applicable_fields(schema: FormSchema, answers: Mapping[str, Any]) -> Iterator[FormField]:
    for _index, step in applicable_steps(schema, answers):
        for field in step.fields:
            if field.collects_input and field_applies(field, answers):
                yield field
