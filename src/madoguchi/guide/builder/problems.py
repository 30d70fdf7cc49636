"""The schema validator's errors as the builder shows them: beside the input they are about,
in the user's language.

``GuideDefinition`` stays the one validator; this module only reads where each error is
(pydantic's ``loc``, or the question or procedure a consistency problem names) and says it
in words staff can act on. A message this module does not know is shown as the schema
wrote it, so no problem is ever hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from .edits import Definition, items

# The consistency problems ``schema.py`` writes, one per item: "question k: ..." etc.
_NAMED = re.compile(r"^(question|procedure) ([a-z][a-z0-9_]*)(?::| appears) ?(.*)$")


@dataclass(frozen=True)
class Problem:
    section: str  # "questions", "procedures" or "" (the guide's own settings)
    key: str  # the question's or procedure's key, "" for the settings
    field: str  # the builder's input: "text", "options", "condition", "url", "" (the item)
    message: str


def _named_message(rest: str) -> tuple[str, str]:
    """(field, message) for the text after "question k:" or "procedure k:"."""
    if "is not an earlier question" in rest:
        return "condition", _(
            "The condition reads the answer to a question that is not asked before this one."
            " Move this question down, or change the condition."
        )
    if "which is not a question" in rest:
        return "condition", _(
            "The rule reads the answer to a question that is no longer in the guide."
            " Change the rule."
        )
    if "twice" in rest:
        return "", _("Another question or procedure already uses this key.")
    if "at least two options" in rest:
        return "options", _("A choice question needs at least two options, one per line.")
    if "option values must be unique" in rest:
        return "options", _("Two options have the same value.")
    if "has no options" in rest:
        return "options", _("A yes/no question has no options: leave the options empty.")
    if "give a form slug" in rest:
        return "source", _(
            "Choose a form, or give the channel, the site's name and the link of the procedure."
        )
    if "channels come from the form" in rest:
        return "source", _("A procedure with a form takes its channels from the form.")
    return "", rest


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
        if not loc and kind == "value_error":
            # The whole definition's consistency: "; "-joined problems that name their item.
            for part in raw.split("; "):
                named = _NAMED.match(part)
                if named is None:
                    found.append(Problem("", "", "", part))
                    continue
                section = f"{named.group(1)}s"
                field, message = _named_message(named.group(3))
                found.append(Problem(section, named.group(2), field, message))
            continue
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
            if len(loc) == 2:
                named = _NAMED.match(raw)
                field, message = _named_message(named.group(3)) if named else ("", raw)
                found.append(Problem(section, key, field, message))
                continue
            field, message = _field_message(loc[2:], kind, raw)
            found.append(Problem(section, key, field, message))
            continue
        field, message = _field_message(loc, kind, raw)
        found.append(Problem("", "", field, message))
    return found
