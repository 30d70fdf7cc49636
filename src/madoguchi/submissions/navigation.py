"""Which page of a form comes next: reads over a draft's answers, for the step pages.

Only the steps whose conditions hold count (forms.conditions); a resident never skips
ahead of the first page still to answer, and after 「変更する」 from the review goes to
any later page a changed answer made necessary before seeing the review again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from madoguchi.forms import answers as form_answers
from madoguchi.forms import conditions
from madoguchi.forms.schema import FormSchema
from madoguchi.identity import services as identity_services

from .models import Draft


def next_step_index(schema: FormSchema, answers: Mapping[str, Any], after: int) -> int | None:
    """The next step that applies after ``after``; None when only the review remains."""
    for index, _step in conditions.applicable_steps(schema, answers):
        if index > after:
            return index
    return None


def previous_step_index(schema: FormSchema, answers: Mapping[str, Any], before: int) -> int | None:
    earlier = [i for i, _s in conditions.applicable_steps(schema, answers) if i < before]
    return earlier[-1] if earlier else None


def first_unfinished_step(draft: Draft) -> int | None:
    """The first applicable step the resident has not completed yet; None when all are done."""
    return next_step_index(draft.form_version.schema, draft.answers, draft.completed_steps - 1)


def step_with_unchecked_answers(draft: Draft) -> int | None:
    """The first applicable step holding typed values not checked yet (None: none)."""
    schema = draft.form_version.schema
    for index, step in conditions.applicable_steps(schema, draft.answers):
        if any(f.key in draft.typed for f in step.fields):
            return index
    return None


def step_to_resume(draft: Draft) -> int | None:
    """Where a resume link continues: a page with unchecked answers, else the first
    page still to answer; None when only the review remains."""
    unchecked = step_with_unchecked_answers(draft)
    if unchecked is not None:
        return unchecked
    return first_unfinished_step(draft)


def step_needing_answers(draft: Draft, *, after: int) -> int | None:
    """The first applicable page after ``after`` whose answers are missing or invalid.

    After 「変更する」 from the review, a changed answer may show a page (a condition now
    holds) or make a later answer wrong: the resident goes there before the review.
    """
    schema = draft.form_version.schema
    locked = identity_services.locked_answers(schema, draft.identity)
    unfinished = first_unfinished_step(draft)
    for index, step in conditions.applicable_steps(schema, draft.answers):
        if index <= after:
            continue
        if unfinished is not None and index >= unfinished:
            return unfinished
        if any(f.key in draft.typed for f in step.fields):
            return index
        checked = form_answers.clean_answers(
            schema, draft.answers, fields=step.fields, known=draft.answers, locked=locked
        )
        if not checked.ok:
            return index
    return None
