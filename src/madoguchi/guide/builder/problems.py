"""The schema validator's errors as the builder shows them: beside the input they are about,
in the user's language.

``GuideDefinition`` stays the one validator; this module only reads where each error is
(pydantic's ``loc``, or the key and code the schema's own validators raise) and says it
in words staff can act on. A message this module does not know is shown as the schema
wrote it, so no problem is ever hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from madoguchi.jp.errors import InvalidJapaneseInput

from ..schema import GuideProblem, GuideProblems
from .edits import Definition, items


@dataclass(frozen=True)
class Problem:
    section: str  # "questions", "procedures" or "" (the guide's own settings)
    key: str  # the question's or procedure's key, "" for the settings
    field: str  # the builder's input: "text", "options", "condition", "url", "" (the item)
    message: str


def _own_problem(problem: GuideProblem) -> tuple[str, str, str]:
    """(section, field, message) for a problem the schema's own validators raise, by code."""
    code = problem.code
    if code == "condition_not_earlier":
        return (
            "questions",
            "condition",
            _(
                "The condition reads the answer to a question that is not asked before this one."
                " Move this question down, or change the condition."
            ),
        )
    if code == "rule_not_a_question":
        return (
            "procedures",
            "condition",
            _(
                "The rule reads the answer to a question that is no longer in the guide."
                " Change the rule."
            ),
        )
    if code in ("repeated_question", "repeated_procedure"):
        section = "questions" if code == "repeated_question" else "procedures"
        return section, "", _("Another question or procedure already uses this key.")
    if code == "too_few_options":
        return (
            "questions",
            "options",
            _("A choice question needs at least two options, one per line."),
        )
    if code == "repeated_option":
        return "questions", "options", _("Two options have the same value.")
    if code == "yes_no_options":
        return (
            "questions",
            "options",
            _("A yes/no question has no options: leave the options empty."),
        )
    if code == "form_or_external":
        return (
            "procedures",
            "source",
            _("Choose a form, or give the channel, the site's name and the link of the procedure."),
        )
    if code == "form_and_external":
        return (
            "procedures",
            "source",
            _("A procedure with a form takes its channels from the form."),
        )
    return "", "", str(problem)


def _field_message(loc: tuple[Any, ...], kind: str, raw: str) -> tuple[str, str]:
    """(field, message) for an error inside a question, a procedure or the settings."""
    field = str(loc[0]) if loc else ""
    if field in ("visible_if", "applies_if"):
        field = "condition"
    if kind in ("string_too_short", "missing") and "ja" in loc:
        return field, _("Enter the Japanese text (English is optional).")
    if kind in ("string_too_short", "missing"):
        return field, _("Enter this.")
    if kind == "string_too_long":
        return field, _("This is too long.")
    if kind == "string_pattern_mismatch":
        if field == "url":
            return field, _("Enter a link that starts with https:// and has no spaces.")
        if field == "options":
            return field, _(
                "An option's value may use only a-z, 0-9 and _, and starts with a letter."
            )
        return field, _("Use lower-case letters, digits and _, starting with a letter.")
    if kind == "literal_error" and field == "channel":
        return field, _("Choose how the procedure is done.")
    return field, raw.removeprefix("Value error, ")


def problems_of(error: ValidationError, candidate: Definition) -> list[Problem]:
    found: list[Problem] = []
    for item in error.errors():
        loc = tuple(item["loc"])
        kind = str(item["type"])
        raw = str(item["msg"]).removeprefix("Value error, ")
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, GuideProblems | GuideProblem):
            # The schema's own validators name the item by its key, and say what by a code.
            own = cause.problems if isinstance(cause, GuideProblems) else [cause]
            for problem in own:
                section, field, message = _own_problem(problem)
                found.append(Problem(section, problem.params.get("key", ""), field, message))
            continue
        if isinstance(cause, InvalidJapaneseInput):
            # A character that cannot be stored: the refusal says which, in the user's language.
            raw = str(cause)
        if loc and loc[0] in ("questions", "procedures"):
            section = str(loc[0])
            if len(loc) == 1:
                if kind == "too_short":
                    message = (
                        _("A guide needs at least one question.")
                        if section == "questions"
                        else _("A guide needs at least one procedure.")
                    )
                else:
                    message = raw
                found.append(Problem(section, "", "", message))
                continue
            listed = items(candidate, section)  # type: ignore[arg-type]
            index = loc[1] if isinstance(loc[1], int) and loc[1] < len(listed) else None
            key = str(listed[index].get("key")) if index is not None else ""
            field, message = _field_message(loc[2:], kind, raw) if len(loc) > 2 else ("", raw)
            found.append(Problem(section, key, field, message))
            continue
        field, message = _field_message(loc, kind, raw)
        found.append(Problem("", "", field, message))
    return found
