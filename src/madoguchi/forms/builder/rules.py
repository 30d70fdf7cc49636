"""Conditions as the rule editor writes them, and their summaries in words.

Conditions are edited as simple rules ("field X is Y") and stored as JSON Logic, the
format the resident pages already evaluate; :func:`rules_from_logic` reads back only
what :func:`rules_to_logic` writes, anything else stays as it is and is summarised
(:func:`logic_summary`) as a custom rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

from .edits import BuilderError, Definition, get_field, steps, text

Operator = Literal[
    "eq", "ne", "contains", "not_contains", "answered", "empty", "gt", "ge", "lt", "le"
]
OPERATORS: tuple[str, ...] = get_args(Operator)
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_COMPARE_BACK = {v: k for k, v in _COMPARE.items()}
OPERATOR_NAMES: dict[str, tuple[str, str]] = {
    "eq": ("が次と等しい", "is"),
    "ne": ("が次と異なる", "is not"),
    "contains": ("で次を選んでいる", "includes"),
    "not_contains": ("で次を選んでいない", "does not include"),
    "answered": ("に回答がある", "is answered"),
    "empty": ("が未回答", "is empty"),
    "gt": ("が次より大きい", "is more than"),
    "ge": ("が次以上", "is at least"),
    "lt": ("が次より小さい", "is less than"),
    "le": ("が次以下", "is at most"),
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
            raise BuilderError("enter a number such as 3") from error
        return int(number) if number.is_integer() else number
    if field.get("type") == "consent":
        return True
    if not raw:
        raise BuilderError("enter or choose the value to compare with")
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
        return ("はい" if value else "いいえ") if language == "ja" else ("yes" if value else "no")
    return str(value)


def rule_summary(definition: Definition, rule: Rule, language: str = "ja") -> str:
    label = _field_label(definition, rule.field, language)
    value = _value_text(definition, rule.field, rule.value, language)
    ja, en = OPERATOR_NAMES.get(rule.op, (rule.op, rule.op))
    if language == "ja":
        if rule.op in ("answered", "empty"):
            return f"「{label}」{ja}"
        phrase = {
            "eq": f"「{label}」が「{value}」",
            "ne": f"「{label}」が「{value}」以外",
            "contains": f"「{label}」で「{value}」を選んでいる",
            "not_contains": f"「{label}」で「{value}」を選んでいない",
            "gt": f"「{label}」が{value}より大きい",
            "ge": f"「{label}」が{value}以上",
            "lt": f"「{label}」が{value}未満",
            "le": f"「{label}」が{value}以下",
        }
        return phrase[rule.op]
    if rule.op in ("answered", "empty"):
        return f"“{label}” {en}"
    return f"“{label}” {en} “{value}”"


def logic_summary(definition: Definition, logic: Any, language: str = "ja") -> str:
    """A sentence for any condition: the rule editor's in words, anything else as JSON."""
    if not logic:
        return ""
    parsed = rules_from_logic(logic)
    if parsed is None:
        custom = "独自の条件" if language == "ja" else "custom rule"
        return f"{custom}: {json.dumps(logic, ensure_ascii=False)}"
    match, rules = parsed
    parts = [rule_summary(definition, rule, language) for rule in rules]
    if language == "ja":
        joiner = "、かつ" if match == "all" else "、または"
        # Noun phrases take の before とき (「オンライン」のとき), verbs and adjectives do not.
        ending = (
            "とき" if rules[-1].op in ("contains", "not_contains", "answered", "gt") else "のとき"
        )
        return joiner.join(parts) + ending
    return "when " + (" and " if match == "all" else " or ").join(parts)


def condition_sentences(definition: Definition, language: str = "ja") -> list[tuple[str, str]]:
    """(anchor key, sentence) for every rule in the form, to list them in one place."""
    sentences = []
    for step in steps(definition):
        if step.get("visible_if"):
            title = text(step.get("title"), language)
            summary = logic_summary(definition, step["visible_if"], language)
            sentences.append(
                (
                    f"step-{step.get('key')}",
                    f"ページ「{title}」は{summary}に表示"
                    if language == "ja"
                    else f"Page “{title}” is shown {summary}",
                )
            )
        for field in step.get("fields") or []:
            label = text(field.get("label"), language)
            if field.get("visible_if"):
                summary = logic_summary(definition, field["visible_if"], language)
                sentences.append(
                    (
                        f"field-{field.get('key')}",
                        f"「{label}」は{summary}に表示"
                        if language == "ja"
                        else f"“{label}” is shown {summary}",
                    )
                )
            if field.get("required_if"):
                summary = logic_summary(definition, field["required_if"], language)
                sentences.append(
                    (
                        f"field-{field.get('key')}",
                        f"「{label}」は{summary}に必須"
                        if language == "ja"
                        else f"“{label}” is required {summary}",
                    )
                )
    return sentences
