"""Conditions as the rule editor writes them, and their summaries in words.

Conditions are edited as simple rules ("field X is Y") and stored as JSON Logic, the
format the resident pages already evaluate; :func:`rules_from_logic` reads back only
what :func:`rules_to_logic` writes, anything else stays as it is and is summarised
(:func:`logic_summary`) as a custom rule.

Summaries are whole sentences with English msgids (the Japanese in django.po), made in
the ``language`` asked for, whatever the request's language is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

from django.utils.functional import Promise
from django.utils.translation import gettext, override, pgettext, pgettext_lazy

from .edits import BuilderError, Definition, get_field, steps, text, yes_or_no

Operator = Literal[
    "eq", "ne", "contains", "not_contains", "answered", "empty", "gt", "ge", "lt", "le"
]
OPERATORS: tuple[str, ...] = get_args(Operator)
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_COMPARE_BACK = {v: k for k, v in _COMPARE.items()}
# The rule editor's choices, read after the question's label (「方法」が次と等しい).
OPERATOR_NAMES: dict[str, Promise] = {
    "eq": pgettext_lazy("rule operator", "is"),
    "ne": pgettext_lazy("rule operator", "is not"),
    "contains": pgettext_lazy("rule operator", "includes"),
    "not_contains": pgettext_lazy("rule operator", "does not include"),
    "answered": pgettext_lazy("rule operator", "is answered"),
    "empty": pgettext_lazy("rule operator", "is empty"),
    "gt": pgettext_lazy("rule operator", "is more than"),
    "ge": pgettext_lazy("rule operator", "is at least"),
    "lt": pgettext_lazy("rule operator", "is less than"),
    "le": pgettext_lazy("rule operator", "is at most"),
}
# One whole sentence per operator: the word order differs between the languages.
_RULE_SENTENCES: dict[str, Promise] = {
    "eq": pgettext_lazy("rule", "“%(label)s” is “%(value)s”"),
    "ne": pgettext_lazy("rule", "“%(label)s” is not “%(value)s”"),
    "contains": pgettext_lazy("rule", "“%(label)s” includes “%(value)s”"),
    "not_contains": pgettext_lazy("rule", "“%(label)s” does not include “%(value)s”"),
    "answered": pgettext_lazy("rule", "“%(label)s” is answered"),
    "empty": pgettext_lazy("rule", "“%(label)s” is empty"),
    "gt": pgettext_lazy("rule", "“%(label)s” is more than “%(value)s”"),
    "ge": pgettext_lazy("rule", "“%(label)s” is at least “%(value)s”"),
    "lt": pgettext_lazy("rule", "“%(label)s” is less than “%(value)s”"),
    "le": pgettext_lazy("rule", "“%(label)s” is at most “%(value)s”"),
}


@dataclass(frozen=True)
class Rule:
    field: str
    op: str
    value: Any = None


def rule_to_logic(rule: Rule) -> dict[str, Any]:
    var = {"var": rule.field}
    if rule.op in _COMPARE:
        return {_COMPARE[rule.op]: [var, rule.value]}
    if rule.op == "contains":
        return {"in": [rule.value, var]}
    if rule.op == "not_contains":
        return {"!": {"in": [rule.value, var]}}
    if rule.op == "answered":
        return {"!!": var}
    if rule.op == "empty":
        return {"!": var}
    raise BuilderError(f"unknown operator '{rule.op}'")


def rules_to_logic(rules: list[Rule], *, match: str = "all") -> dict[str, Any] | None:
    """JSON Logic for rules joined by and (``all``) or or (``any``); None for no rules."""
    parts = [rule_to_logic(rule) for rule in rules]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return {"and" if match == "all" else "or": parts}


def _var_name(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"var"} and isinstance(value["var"], str):
        return value["var"]
    return None


def _rule_from(logic: Any) -> Rule | None:
    if not isinstance(logic, dict) or len(logic) != 1:
        return None
    ((op, arg),) = logic.items()
    if op in _COMPARE_BACK and isinstance(arg, list) and len(arg) == 2:
        name = _var_name(arg[0])
        if name and not isinstance(arg[1], dict | list):
            return Rule(name, _COMPARE_BACK[op], arg[1])
    if op == "in" and isinstance(arg, list) and len(arg) == 2:
        name = _var_name(arg[1])
        if name and isinstance(arg[0], str):
            return Rule(name, "contains", arg[0])
    if op == "!!":
        name = _var_name(arg[0] if isinstance(arg, list) and len(arg) == 1 else arg)
        if name:
            return Rule(name, "answered")
    if op == "!":
        inner = arg[0] if isinstance(arg, list) and len(arg) == 1 else arg
        name = _var_name(inner)
        if name:
            return Rule(name, "empty")
        positive = _rule_from(inner)
        if positive is not None and positive.op == "contains":
            return Rule(positive.field, "not_contains", positive.value)
    return None


def rules_from_logic(logic: Any) -> tuple[str, list[Rule]] | None:
    """(match, rules) when the expression is one the rule editor writes, else None."""
    if not logic:
        return "all", []
    if isinstance(logic, dict) and len(logic) == 1:
        ((op, arg),) = logic.items()
        if op in ("and", "or") and isinstance(arg, list) and arg:
            rules = [_rule_from(item) for item in arg]
            if all(rule is not None for rule in rules):
                return ("all" if op == "and" else "any"), [r for r in rules if r is not None]
            return None
    single = _rule_from(logic)
    return ("all", [single]) if single is not None else None


def coerce_value(definition: Definition, field_key: str, op: str, raw: str) -> Any:
    """The comparison value for a rule, typed as the answer will be (number, option value)."""
    if op in ("answered", "empty"):
        return None
    field = get_field(definition, field_key)
    raw = raw.strip()
    if field.get("type") == "number" or op in ("gt", "ge", "lt", "le"):
        try:
            number = float(raw)
        except ValueError as error:
            raise BuilderError(gettext("Enter a number such as 3.")) from error
        return int(number) if number.is_integer() else number
    if field.get("type") == "consent":
        return True
    if not raw:
        raise BuilderError(gettext("Enter or choose the value to compare with."))
    return raw


# --- summaries ---------------------------------------------------------------------------


def _field_label(definition: Definition, key: str, language: str) -> str:
    try:
        return text(get_field(definition, key).get("label"), language) or key
    except BuilderError:
        return key


def _value_text(definition: Definition, key: str, value: Any, language: str) -> str:
    try:
        field = get_field(definition, key)
    except BuilderError:
        field = {}
    for option in field.get("options") or []:
        if option.get("value") == value:
            return text(option.get("label"), language)
    if isinstance(value, bool):
        return yes_or_no(value, language)
    return str(value)


def rule_summary(definition: Definition, rule: Rule, language: str = "ja") -> str:
    label = _field_label(definition, rule.field, language)
    value = _value_text(definition, rule.field, rule.value, language)
    if rule.op not in _RULE_SENTENCES:
        return f"“{label}” {rule.op} “{value}”"
    with override(language):
        return str(_RULE_SENTENCES[rule.op]) % {"label": label, "value": value}


def logic_summary(definition: Definition, logic: Any, language: str = "ja") -> str:
    """A sentence for any condition: the rule editor's in words, anything else as JSON."""
    if not logic:
        return ""
    parsed = rules_from_logic(logic)
    with override(language):
        if parsed is None:
            custom = json.dumps(logic, ensure_ascii=False)
            return pgettext("condition", "custom rule: %(logic)s") % {"logic": custom}
        match, rules = parsed
        parts = [rule_summary(definition, rule, language) for rule in rules]
        joined = parts[0]
        for part in parts[1:]:
            if match == "all":
                joined = pgettext("conditions", "%(rules)s and %(rule)s") % {
                    "rules": joined,
                    "rule": part,
                }
            else:
                joined = pgettext("conditions", "%(rules)s or %(rule)s") % {
                    "rules": joined,
                    "rule": part,
                }
        # Japanese puts the ending after the last rule, and noun phrases take の before
        # とき (「オンライン」のとき) where verbs and adjectives do not: two msgids.
        if rules[-1].op in ("contains", "not_contains", "answered", "gt"):
            return pgettext("condition ending in a verb", "when %(rules)s") % {"rules": joined}
        return pgettext("condition ending in a noun", "when %(rules)s") % {"rules": joined}


def condition_sentences(definition: Definition, language: str = "ja") -> list[tuple[str, str]]:
    """(anchor key, sentence) for every rule in the form, to list them in one place."""
    sentences = []
    for step in steps(definition):
        if step.get("visible_if"):
            title = text(step.get("title"), language)
            summary = logic_summary(definition, step["visible_if"], language)
            with override(language):
                sentence = gettext("Page “%(title)s” is shown %(condition)s") % {
                    "title": title,
                    "condition": summary,
                }
            sentences.append((f"step-{step.get('key')}", sentence))
        for field in step.get("fields") or []:
            label = text(field.get("label"), language)
            if field.get("visible_if"):
                summary = logic_summary(definition, field["visible_if"], language)
                with override(language):
                    sentence = gettext("“%(label)s” is shown %(condition)s") % {
                        "label": label,
                        "condition": summary,
                    }
                sentences.append((f"field-{field.get('key')}", sentence))
            if field.get("required_if"):
                summary = logic_summary(definition, field["required_if"], language)
                with override(language):
                    sentence = gettext("“%(label)s” is required %(condition)s") % {
                        "label": label,
                        "condition": summary,
                    }
                sentences.append((f"field-{field.get('key')}", sentence))
    return sentences
