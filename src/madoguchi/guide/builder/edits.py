"""Pure edits of a guide definition, and the parsing of what the builder's forms post.

A definition here is the schema's JSON (``GuideDefinition.model_dump(mode="json",
exclude_none=True)``, as ``Guide.definition`` stores it). Every function returns a new
definition (the input is never changed), so a refused edit leaves nothing behind, and tests
need no database. Nothing here decides whether a definition is valid: the schema does
(see ``services.save_candidate``).

Conditions are the form builder's simple rules (``forms/builder/rules.py``): a guide's
"show only if" and "applies if" are "all" or "any" of "question = answer", written as JSON
Logic with the same helpers, so a form and a guide store and read a rule the same way.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils.translation import gettext, gettext_lazy, override
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.builder import rules as form_rules
from madoguchi.forms.builder.edits import BuilderError, options_text, parse_options, text

from ..schema import KEY_PATTERN

Definition = dict[str, Any]
Section = Literal["questions", "procedures"]
ConditionMode = Literal["always", "all", "any", "keep"]

__all__ = ["BuilderError", "options_text", "parse_options", "text"]

LIFE_EVENTS: dict[str, Any] = {
    "moving": _("Moving"),
    "birth": _("Birth"),
    "death": _("Death of a family member"),
    "marriage": _("Marriage"),
    "care": _("Long-term care"),
}
KINDS: dict[str, Any] = {
    "yes_no": _("Yes or no"),
    "single": _("Choose one"),
    "multiple": _("Choose any (several allowed)"),
}
CHANNELS: dict[str, Any] = {
    "online": gettext_lazy("Online"),
    "mail": gettext_lazy("By post"),
    "counter": gettext_lazy("At the counter"),
}
_FORM_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def localized(ja: str, en: str = "") -> dict[str, str] | None:
    """Text as the schema stores it; None when both languages are empty (an optional text).

    English without Japanese is kept as typed: the schema then says the Japanese is missing.
    """
    ja, en = ja.strip(), en.strip()
    if not ja and not en:
        return None
    value = {"ja": ja}
    if en:
        value["en"] = en
    return value


def lines_of(raw: str) -> list[dict[str, str]]:
    """What to bring, one item per line: ``日本語`` or ``日本語 | English``."""
    items = []
    for line in raw.splitlines():
        ja, _bar, en = line.partition("|")
        item = localized(ja, en)
        if item is not None:
            items.append(item)
    return items


def lines_text(items: list[Any]) -> str:
    lines = []
    for item in items:
        english = item.get("en") if isinstance(item, dict) else None
        lines.append(" | ".join([text(item)] + ([english] if english else [])))
    return "\n".join(lines)


def _copy(definition: Definition) -> Definition:
    return copy.deepcopy(definition)


def items(definition: Definition, section: Section) -> list[dict[str, Any]]:
    found = definition.get(section)
    return found if isinstance(found, list) else []


def index_of(definition: Definition, section: Section, key: str) -> int:
    for index, item in enumerate(items(definition, section)):
        if item.get("key") == key:
            return index
    raise BuilderError(gettext("That item is no longer in the guide. Reload the page."))


def get(definition: Definition, section: Section, key: str) -> dict[str, Any]:
    item: dict[str, Any] = items(definition, section)[index_of(definition, section, key)]
    return item


def fresh_key(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}_{number}" in taken:
        number += 1
    return f"{prefix}_{number}"


def _keys(definition: Definition, section: Section) -> set[str]:
    return {str(item.get("key")) for item in items(definition, section)}


def add(
    definition: Definition, section: Section, item: dict[str, Any], *, key_hint: str = ""
) -> tuple[Definition, str]:
    """Append ``item`` under a fresh key (``key_hint`` when free and a valid key)."""
    new = _copy(definition)
    taken = _keys(new, section)
    hint = key_hint.replace("-", "_")
    if re.fullmatch(KEY_PATTERN, hint) and hint not in taken:
        key = hint
    else:
        key = fresh_key("question" if section == "questions" else "procedure", taken)
    new.setdefault(section, []).append({"key": key, **item})
    return new, key


def replace(definition: Definition, section: Section, key: str, item: dict[str, Any]) -> Definition:
    """Put ``item`` (without its key: the key never changes here) in place of ``key``."""
    new = _copy(definition)
    index = index_of(new, section, key)
    new[section][index] = {"key": key, **{k: v for k, v in item.items() if v is not None}}
    return new


def move(definition: Definition, section: Section, key: str, *, direction: int) -> Definition:
    new = _copy(definition)
    index = index_of(new, section, key)
    target = index + direction
    if not 0 <= target < len(new[section]):
        raise BuilderError(gettext("It is already at the end of the list."))
    listed = new[section]
    listed[index], listed[target] = listed[target], listed[index]
    return new


def remove(definition: Definition, section: Section, key: str) -> Definition:
    new = _copy(definition)
    del new[section][index_of(new, section, key)]
    return new


def set_settings(definition: Definition, *, title: Any, intro: Any, life_event: str) -> Definition:
    new = {k: v for k, v in _copy(definition).items() if k not in ("title", "intro", "life_event")}
    settings: Definition = {"title": title}
    if intro is not None:
        settings["intro"] = intro
    if life_event:
        settings["life_event"] = life_event
    # The settings come first, as a definition is written by hand.
    return {"schema_version": 1, **settings, **new}


# --- conditions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One "question = answer" the condition editor offers as a checkbox."""

    token: str  # what the checkbox posts: "<question key>=<option value | yes | no>"
    rule: form_rules.Rule
    question: str  # the question's text, for the fieldset grouping
    answer: str  # the answer's label


def _rule_for(question: dict[str, Any], answer: str | bool) -> form_rules.Rule:
    op = "contains" if question.get("kind") == "multiple" else "eq"
    return form_rules.Rule(str(question.get("key")), op, answer)


def token_for(question_key: str, answer: str | bool) -> str:
    if isinstance(answer, bool):
        return f"{question_key}={'yes' if answer else 'no'}"
    return f"{question_key}={answer}"


def choices(definition: Definition, *, before: str | None, language: str) -> list[Choice]:
    """Every answer of the questions a condition may read: those before ``before`` (a
    question's "show only if"), or all of them (``before=None``: a procedure's rule)."""
    found = []
    for question in items(definition, "questions"):
        if before is not None and question.get("key") == before:
            break
        key = str(question.get("key"))
        question_text = text(question.get("text"), language) or key
        answers: list[tuple[str | bool, str]]
        if question.get("kind") == "yes_no":
            with override(language):
                answers = [(True, gettext("Yes")), (False, gettext("No"))]
        else:
            answers = [
                (str(o.get("value")), text(o.get("label"), language))
                for o in question.get("options") or []
            ]
        for answer, label in answers:
            found.append(
                Choice(token_for(key, answer), _rule_for(question, answer), question_text, label)
            )
    return found


def _swap_boolean_equality(logic: Any, old: str, new: str) -> Any:
    if isinstance(logic, list):
        return [_swap_boolean_equality(item, old, new) for item in logic]
    if not isinstance(logic, dict) or len(logic) != 1:
        return logic
    ((op, argument),) = logic.items()
    if op in ("and", "or"):
        return {op: _swap_boolean_equality(argument, old, new)}
    if (
        op == old
        and isinstance(argument, list)
        and len(argument) == 2
        and isinstance(argument[1], bool)
    ):
        return {new: argument}
    return logic


def strict(logic: Any) -> Any:
    """A yes/no rule compares strictly (``===``): JSON Logic's loose ``==`` takes a question
    that was never asked (no answer) for "no", and its procedure would apply to everyone."""
    return _swap_boolean_equality(logic, "==", "===")


def loose(logic: Any) -> Any:
    """The rule as the form builder's rule helpers read it (see :func:`strict`)."""
    return _swap_boolean_equality(logic, "===", "==")


def condition_state(logic: Any, offered: list[Choice]) -> tuple[str, set[str]]:
    """How the editor shows a stored condition: (mode, checked tokens); mode ``keep`` for a
    rule written by hand (in YAML) that the checkboxes cannot express."""
    if not logic:
        return "always", set()
    parsed = form_rules.rules_from_logic(loose(logic))
    by_rule = {choice.rule: choice.token for choice in offered}
    if parsed is None or not parsed[1] or any(rule not in by_rule for rule in parsed[1]):
        return "keep", set()
    match, rules = parsed
    return match, {by_rule[rule] for rule in rules}


def condition_from(
    mode: str, tokens: list[str], offered: list[Choice], *, current: Any
) -> dict[str, Any] | None:
    """The JSON Logic for the editor's answer; BuilderError (in the user's language) when
    the answer does not make a condition."""
    if mode == "keep":
        return current or None
    if mode == "always":
        return None
    if mode not in ("all", "any"):
        raise BuilderError(gettext("Choose when this applies."), field="condition")
    by_token = {choice.token: choice.rule for choice in offered}
    unknown = [token for token in tokens if token not in by_token]
    if unknown:
        raise BuilderError(
            gettext("An answer you ticked is no longer in the guide. Tick the answers again."),
            field="condition",
        )
    rules = [by_token[token] for token in dict.fromkeys(tokens)]
    if not rules:
        raise BuilderError(
            gettext("Tick at least one answer, or choose “always”."), field="condition"
        )
    return strict(form_rules.rules_to_logic(rules, match=mode))


def summary(definition: Definition, logic: Any, language: str) -> str:
    """The condition in words, as the form builder writes its rules (「…」が「はい」のとき)."""
    if not logic:
        return ""
    # The form builder's summary reads questions as a form's fields: give it the
    # questions in that shape, so both builders word a rule the same way.
    fields = [
        {
            "key": q.get("key"),
            "label": q.get("text"),
            "type": "consent" if q.get("kind") == "yes_no" else "choice",
            "options": q.get("options") or [],
        }
        for q in items(definition, "questions")
    ]
    as_form = {"steps": [{"key": "guide", "fields": fields}]}
    return form_rules.logic_summary(as_form, loose(logic), language)


def is_form_slug(value: str) -> bool:
    return _FORM_SLUG.fullmatch(value) is not None


# --- starting a guide --------------------------------------------------------------------------

_STARTERS = Path(__file__).with_name("starters.yaml")


@functools.cache
def _starters() -> dict[str, Any]:
    # Data, not code: each life event's first question and procedure, in both languages.
    loaded: dict[str, Any] = yaml.safe_load(_STARTERS.read_text(encoding="utf-8"))
    return loaded


def starter(*, title: dict[str, str], life_event: str) -> Definition:
    """A new guide's definition: its title, and the life event's first question and
    procedure (a guide is only valid with at least one of each)."""
    first = copy.deepcopy(_starters()[life_event])
    return {
        "schema_version": 1,
        "title": title,
        "life_event": life_event,
        "questions": [first["question"]],
        "procedures": [first["procedure"]],
    }
