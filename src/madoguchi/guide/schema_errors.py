"""A guide definition's problems as lines staff can act on, in their language.

pydantic words its errors in English. Each error becomes ``<where>: <what to fix>``: ``where``
is pydantic's location path (``procedures.0.url``), kept as it is because it names the YAML
the staff member wrote; ``what`` is chosen by the error's ``type`` for pydantic's common
errors, and by the code our own validators carry (:class:`schema.GuideProblem`). An error this
module does not know keeps pydantic's words, so no problem is ever hidden.

Lines are kept as msgids with their values and translated when shown (:meth:`Line.text`), so
the same refusal reads in Japanese or English whatever language raised it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop, override
from pydantic import ValidationError

from madoguchi.jp.errors import InvalidJapaneseInput

from .schema import GuideProblem, GuideProblems

# Our own validators' problems (schema.py), by code.
OWN_MESSAGES: dict[str, str] = {
    "yes_no_options": gettext_noop(
        "Question %(key)s: a yes/no question has no options; remove them."
    ),
    "too_few_options": gettext_noop("Question %(key)s: a choice needs at least two options."),
    "repeated_option": gettext_noop(
        "Question %(key)s: two options have the same value; give each its own."
    ),
    "form_or_external": gettext_noop(
        "Procedure %(key)s: give a form (its slug), or for a procedure outside Madoguchi its"
        " channel, site and url."
    ),
    "form_and_external": gettext_noop(
        "Procedure %(key)s: a form's channels come from the form; remove channel, site and url."
    ),
    "repeated_question": gettext_noop(
        "Question %(key)s appears twice; give each question its own key."
    ),
    "condition_not_earlier": gettext_noop(
        "Question %(key)s: its condition reads %(names)s, which is not an earlier question."
    ),
    "repeated_procedure": gettext_noop(
        "Procedure %(key)s appears twice; give each procedure its own key."
    ),
    "rule_not_a_question": gettext_noop(
        "Procedure %(key)s: its rule reads %(names)s, which is not a question."
    ),
}

# Where a whole-definition problem is, by the kind of item its code is about.
_SECTION = {
    "repeated_question": "questions",
    "condition_not_earlier": "questions",
    "repeated_procedure": "procedures",
    "rule_not_a_question": "procedures",
}

# pydantic's common error types (pydantic_core's ``ErrorType``), said as what to do.
PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("This is required."),
    "extra_forbidden": gettext_noop(
        "This item is not part of a guide; remove it or check its spelling."
    ),
    "string_type": gettext_noop("Write text here."),
    "literal_error": gettext_noop("Use one of: %(expected)s."),
    "string_too_short": gettext_noop("This must not be empty."),
    "string_too_long": gettext_noop("This is too long: at most %(max_length)s characters."),
    "too_short": gettext_noop("This needs at least %(min_length)s item(s)."),
    "too_long": gettext_noop("This has too many items: at most %(max_length)s."),
    "list_type": gettext_noop("Write a list here (one “- ” line per item)."),
    "dict_type": gettext_noop("Write a mapping here (“name: value” lines)."),
    "model_type": gettext_noop("Write a mapping here (“name: value” lines)."),
    "model_attributes_type": gettext_noop("Write a mapping here (“name: value” lines)."),
    "bool_type": gettext_noop("Write true or false."),
    "bool_parsing": gettext_noop("Write true or false."),
    "int_type": gettext_noop("Write a whole number."),
    "int_parsing": gettext_noop("Write a whole number."),
}

# A pattern's meaning, by the name of the item it checks (the last part of the path).
_PATTERN_MESSAGES: dict[str, str] = {
    "key": gettext_noop("Use lower-case letters, digits and _, starting with a letter."),
    "value": gettext_noop("Use lower-case letters, digits and _, starting with a letter."),
    "form": gettext_noop("Give the form's slug: lower-case letters, digits and hyphens."),
    "url": gettext_noop("Give a link that starts with https:// and has no spaces."),
}
_PATTERN_OTHERWISE = gettext_noop("This is not in the expected form (%(pattern)s).")
_TEXT = gettext_noop("Write the text, or ja: and en: lines under this name.")


@dataclass(frozen=True)
class Line:
    """One problem: where it is, and what to fix as a msgid with its values.

    ``english`` is how the schema (or YAML) said it, for logs and command-line tools; a line
    without a msgid (``what`` empty) is shown in those words. ``place`` is a msgid for a
    ``where`` that is words rather than a path ("line 3").
    """

    where: str
    english: str
    what: str = ""
    values: tuple[tuple[str, str], ...] = ()
    place: str = ""
    # An error that translates itself when shown (madoguchi.jp's InvalidJapaneseInput).
    said: InvalidJapaneseInput | None = None

    def text(self) -> str:
        """The line in the active language."""
        where = _say(self.place, self.values) if self.place else self.where
        if self.said is not None:
            return f"{where}: {self.said}"
        if not self.what:
            return f"{where}: {self.english}"
        return f"{where}: {_say(self.what, self.values)}"

    @property
    def english_line(self) -> str:
        return f"{self.where}: {self.english}"


def _say(msgid: str, values: tuple[tuple[str, str], ...]) -> str:
    message = gettext(msgid)
    return message % dict(values) if values else message


def line(where: str, english: str, what: str = "", *, place: str = "", **values: str) -> Line:
    return Line(where, english, what, tuple(sorted(values.items())), place)


def lines_of(error: ValidationError) -> list[Line]:
    """Every problem of a refused definition, one line each."""
    found: list[Line] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "definition"
        context: Mapping[str, Any] = item.get("ctx") or {}
        cause = context.get("error")
        if isinstance(cause, GuideProblems):
            found.extend(_own(_SECTION.get(p.code, where), p) for p in cause.problems)
        elif isinstance(cause, GuideProblem):
            found.append(_own(where, cause))
        elif isinstance(cause, InvalidJapaneseInput):
            with override("en"):
                english = str(cause)
            found.append(Line(where, english, said=cause))
        else:
            found.append(_pydantic(where, item["loc"], str(item["type"]), item["msg"], context))
    return found


def _own(where: str, problem: GuideProblem) -> Line:
    return line(where, str(problem), OWN_MESSAGES.get(problem.code, ""), **problem.params)


def _pydantic(
    where: str, loc: tuple[int | str, ...], kind: str, english: str, context: Mapping[str, Any]
) -> Line:
    english = english.removeprefix("Value error, ")
    last = str(loc[-1]) if loc else ""
    if kind == "string_pattern_mismatch":
        if last in _PATTERN_MESSAGES:
            return line(where, english, _PATTERN_MESSAGES[last])
        return line(where, english, _PATTERN_OTHERWISE, pattern=str(context.get("pattern")))
    if kind == "model_type" and context.get("class_name") == "LocalizedText":
        return line(where, english, _TEXT)
    if kind == "literal_error":
        # pydantic lists the choices in English ("'a', 'b' or 'c'"); a plain list reads in both.
        expected = str(context.get("expected", "")).replace(" or ", ", ")
        return line(where, english, PYDANTIC_MESSAGES[kind], expected=expected)
    if kind == "string_too_short" and context.get("min_length") not in (None, 1):
        return line(where, english)  # no such field in a guide today: pydantic's words
    what = PYDANTIC_MESSAGES.get(kind, "")
    values = {name: str(context[name]) for name in ("max_length", "min_length") if name in context}
    return line(where, english, what, **values)
