"""Pure edits of a draft form definition, for the no-code builder.

A draft is the schema's JSON (``FormSchema.model_dump(mode="json")``) and may be
incomplete while staff work on it: a choice field without options, a step without
fields. Every function here takes a definition and returns a new one (the input is
never mutated), so a failed edit cannot leave half a change behind, and tests need
no database. What may be published is decided by :func:`publish_problems`.

Conditions are edited as simple rules ("field X is Y") and stored as JSON Logic, the
format the resident pages already evaluate; :func:`rules_from_logic` reads back only
what :func:`rules_to_logic` writes, anything else stays as it is and is summarised.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, get_args

import jaconv
from django.utils.text import slugify
from pydantic import TypeAdapter, ValidationError

from ..schema import KEY_PATTERN, FormField, FormSchema, condition_variables, schema_problems

Definition = dict[str, Any]
Language = Literal["ja", "en"]

# The schema's field models, in their order there (the order of the builder's type list).
FIELD_TYPES: tuple[str, ...] = tuple(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(FormField)[0])
)
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "text": ("1行の文章", "Short text"),
    "long_text": ("複数行の文章", "Long text"),
    "number": ("数値", "Number"),
    "choice": ("選択肢", "Choice"),
    "date": ("日付", "Date"),
    "email": ("メールアドレス", "Email address"),
    "phone": ("電話番号", "Phone number"),
    "postal_code": ("郵便番号", "Postal code"),
    "kana": ("フリガナ", "Reading (kana)"),
    "file": ("添付ファイル", "File"),
    "consent": ("同意", "Consent"),
    "info": ("説明文", "Information text"),
}
_FIELD_ADAPTER: TypeAdapter[Any] = TypeAdapter(FormField)


class BuilderError(ValueError):
    """An edit that cannot be made (unknown key, duplicate key); the message says why."""


def _copy(definition: Definition) -> Definition:
    return copy.deepcopy(definition)


def text(value: Any, language: str = "ja") -> str:
    """A LocalizedText (or its shorthand string) in ``language``, falling back to Japanese."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if language.startswith("en") and value.get("en"):
            return str(value["en"])
        return str(value.get("ja") or "")
    return ""


def new_definition(title_ja: str, title_en: str = "") -> Definition:
    """A new form: one empty step, online only, no identity."""
    title: dict[str, str] = {"ja": title_ja}
    if title_en:
        title["en"] = title_en
    return {
        "schema_version": 1,
        "title": title,
        "identity": "none",
        "channels": ["online"],
        "review": True,
        # The first page is named after the procedure until the author names it (a
        # generic 「入力」 tells the resident nothing).
        "steps": [{"key": "step_1", "title": dict(title), "fields": []}],
    }


# --- URL names --------------------------------------------------------------------------

_KANA_OR_LATIN = re.compile(r"[ぁ-ゖー]+|[A-Za-z0-9]+")
_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]")


def _romanised(title: str) -> str:
    """The kana and Latin parts of a title in Latin letters (kanji cannot be read here)."""
    hiragana = jaconv.kata2hira(unicodedata.normalize("NFKC", title))
    parts = [jaconv.kana2alphabet(part) for part in _KANA_OR_LATIN.findall(hiragana)]
    return slugify("-".join(parts).replace("ー", "-"))


def suggest_slug(
    *, title_ja: str, title_en: str = "", typed: str = "", taken: set[str] | None = None
) -> str:
    """A URL name to offer the author: what they typed made valid (kana romanised), else
    from the English title, else from a Japanese title in kana, else ``form``; always free
    (``-2``, ``-3``…)."""
    candidates = [
        slugify(unicodedata.normalize("NFKC", typed)),
        _romanised(typed),  # 「こそだて」 → kosodate
        slugify(title_en),
        # Kanji cannot be read without a dictionary: a title with kanji gives no reading
        # (「子育て相談」 would give "te"), so only a title in kana is used.
        "" if _KANJI.search(title_ja) else _romanised(title_ja),
    ]
    # slugify keeps "_" beside "-" ("0 _0" → "0-_0"): a URL name has one separator at a time.
    cleaned = (re.sub(r"[-_]{2,}", "-", c)[:60].strip("-_") for c in candidates)
    base = next((c for c in cleaned if c), "") or "form"
    taken = taken or set()
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


# --- finding things ------------------------------------------------------------------


def steps(definition: Definition) -> list[dict[str, Any]]:
    found = definition.get("steps")
    return found if isinstance(found, list) else []


def all_fields(definition: Definition) -> list[dict[str, Any]]:
    return [f for s in steps(definition) for f in s.get("fields") or []]


def field_keys(definition: Definition) -> list[str]:
    return [str(f.get("key")) for f in all_fields(definition)]


def _step_index(definition: Definition, step_key: str) -> int:
    for index, step in enumerate(steps(definition)):
        if step.get("key") == step_key:
            return index
    raise BuilderError(f"no step '{step_key}'")


def locate_field(definition: Definition, field_key: str) -> tuple[int, int]:
    """(step index, field index) of a field; raises BuilderError when missing."""
    for s_index, step in enumerate(steps(definition)):
        for f_index, field in enumerate(step.get("fields") or []):
            if field.get("key") == field_key:
                return s_index, f_index
    raise BuilderError(f"no field '{field_key}'")


def get_field(definition: Definition, field_key: str) -> dict[str, Any]:
    s_index, f_index = locate_field(definition, field_key)
    field: dict[str, Any] = steps(definition)[s_index]["fields"][f_index]
    return field


def get_step(definition: Definition, step_key: str) -> dict[str, Any]:
    step: dict[str, Any] = steps(definition)[_step_index(definition, step_key)]
    return step


def _fresh_key(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}_{number}" in taken:
        number += 1
    return f"{prefix}_{number}"


# --- steps ---------------------------------------------------------------------------


def add_step(
    definition: Definition, *, title_ja: str, title_en: str = ""
) -> tuple[Definition, str]:
    result = _copy(definition)
    key = _fresh_key("step", {str(s.get("key")) for s in steps(result)})
    number = len(steps(result)) + 1
    # Never the internal key as a title: 「ページ2」 until the author names the page.
    title: dict[str, str] = {"ja": title_ja or f"ページ{number}"}
    if title_en or not title_ja:
        title["en"] = title_en or f"Page {number}"
    result.setdefault("steps", []).append({"key": key, "title": title, "fields": []})
    return result, key


def remove_step(definition: Definition, step_key: str) -> Definition:
    result = _copy(definition)
    del result["steps"][_step_index(result, step_key)]
    return result


def move_step(definition: Definition, step_key: str, *, to: int) -> Definition:
    """Put the step at position ``to`` (0-based, clamped to the list)."""
    result = _copy(definition)
    items = result["steps"]
    step = items.pop(_step_index(result, step_key))
    items.insert(max(0, min(to, len(items))), step)
    return result


def step_position(definition: Definition, step_key: str) -> int:
    return _step_index(definition, step_key)


# --- fields --------------------------------------------------------------------------


def add_field(
    definition: Definition, *, step_key: str, field_type: str, label_ja: str = ""
) -> tuple[Definition, str]:
    """Append a field of ``field_type`` to a step with a generated key; returns the key."""
    if field_type not in FIELD_TYPES:
        raise BuilderError(f"unknown field type '{field_type}'")
    result = _copy(definition)
    step = result["steps"][_step_index(result, step_key)]
    key = _fresh_key(field_type, set(field_keys(result)))
    field: dict[str, Any] = {
        "key": key,
        "type": field_type,
        "label": {"ja": label_ja or TYPE_NAMES[field_type][0]},
    }
    if field_type == "choice":
        field["options"] = []
    if field_type == "info":
        field["body"] = {"ja": "説明文を入力してください。"}
    # Questions are required unless the author says otherwise (GOV.UK: ask only what you
    # need, and mark the optional ones); an information text asks nothing.
    if field_type != "info":
        field["required"] = True
    step.setdefault("fields", []).append(field)
    return result, key


def remove_field(definition: Definition, field_key: str) -> Definition:
    result = _copy(definition)
    s_index, f_index = locate_field(result, field_key)
    del result["steps"][s_index]["fields"][f_index]
    return result


def move_field(definition: Definition, field_key: str, *, step_key: str, to: int) -> Definition:
    """Put the field in ``step_key`` at position ``to`` (0-based, clamped)."""
    result = _copy(definition)
    s_index, f_index = locate_field(result, field_key)
    field = result["steps"][s_index]["fields"].pop(f_index)
    target = result["steps"][_step_index(result, step_key)].setdefault("fields", [])
    target.insert(max(0, min(to, len(target))), field)
    return result


def nudge_field(definition: Definition, field_key: str, *, direction: int) -> Definition:
    """Move a field one place up (-1) or down (+1); past a step's edge it joins the
    neighbouring step, so buttons alone can take a field anywhere."""
    s_index, f_index = locate_field(definition, field_key)
    all_steps = steps(definition)
    count = len(all_steps[s_index].get("fields") or [])
    target = f_index + direction
    if 0 <= target < count:
        return move_field(definition, field_key, step_key=all_steps[s_index]["key"], to=target)
    neighbour = s_index + direction
    if not 0 <= neighbour < len(all_steps):
        return _copy(definition)
    position = len(all_steps[neighbour].get("fields") or []) if direction < 0 else 0
    return move_field(definition, field_key, step_key=all_steps[neighbour]["key"], to=position)


def replace_field(definition: Definition, field_key: str, new_field: dict[str, Any]) -> Definition:
    """Replace a field's properties; a changed key is renamed in every rule too."""
    result = _copy(definition)
    s_index, f_index = locate_field(result, field_key)
    new_key = str(new_field.get("key") or field_key)
    if new_key != field_key and new_key in field_keys(result):
        raise BuilderError(f"duplicate field key '{new_key}'")
    result["steps"][s_index]["fields"][f_index] = copy.deepcopy(new_field)
    if new_key != field_key:
        result = rename_references(result, field_key, new_key)
    return result


def replace_step_properties(
    definition: Definition, step_key: str, properties: dict[str, Any]
) -> Definition:
    """Set a step's title, description and visible_if (None removes a property)."""
    result = _copy(definition)
    step = result["steps"][_step_index(result, step_key)]
    for name in ("title", "description", "visible_if"):
        if name in properties:
            if properties[name] in (None, {}, ""):
                step.pop(name, None)
            else:
                step[name] = copy.deepcopy(properties[name])
    return result


def set_form_properties(definition: Definition, properties: dict[str, Any]) -> Definition:
    """Set top-level schema properties (None removes an optional one)."""
    result = _copy(definition)
    for name, value in properties.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = copy.deepcopy(value)
    return result


def _rename_var(logic: Any, old: str, new: str) -> Any:
    if isinstance(logic, dict):
        return {
            op: (new if op == "var" and arg == old else _rename_var(arg, old, new))
            for op, arg in logic.items()
        }
    if isinstance(logic, list):
        return [_rename_var(item, old, new) for item in logic]
    return logic


def rename_references(definition: Definition, old: str, new: str) -> Definition:
    result = _copy(definition)
    for step in steps(result):
        if step.get("visible_if"):
            step["visible_if"] = _rename_var(step["visible_if"], old, new)
        for field in step.get("fields") or []:
            for name in ("visible_if", "required_if"):
                if field.get(name):
                    field[name] = _rename_var(field[name], old, new)
            if field.get("address_field") == old:
                field["address_field"] = new
    if result.get("applicant_name_field") == old:
        result["applicant_name_field"] = new
    return result


def validate_field(field: dict[str, Any]) -> dict[str, str]:
    """Errors per property name for one field, as the field editor shows them.

    A choice field without options is tolerated here (staff may save the label first);
    publishing refuses it.
    """
    try:
        _FIELD_ADAPTER.validate_python(field)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for item in error.errors():
            loc = [str(part) for part in item["loc"]]
            # loc is (type tag, property, ...) for a discriminated union.
            name = loc[1] if len(loc) > 1 else "type"
            if name == "options" and item["type"] == "too_short":
                continue
            problems.setdefault(name, item["msg"])
        return problems
    return {}


# --- options ---------------------------------------------------------------------------

_OPTION_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def parse_options(
    lines: str, existing: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Options from text, one per line: ``ラベル``, ``ラベル | English`` or
    ``value | ラベル | English``. A label already used keeps its value, so rules and
    exports that refer to it keep working; new labels get ``option_N``."""
    by_label = {text(o.get("label")): str(o.get("value")) for o in existing}
    taken = {str(o.get("value")) for o in existing}
    options: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, raw in enumerate(lines.splitlines(), start=1):
        parts = [part.strip() for part in raw.split("|")]
        if not any(parts):
            continue
        if len(parts) >= 3:
            value, label_ja, label_en = parts[0], parts[1], parts[2]
        elif len(parts) == 2:
            value, label_ja, label_en = "", parts[0], parts[1]
        else:
            value, label_ja, label_en = "", parts[0], ""
        if not label_ja:
            errors.append(f"line {number}: the Japanese label is empty")
            continue
        if not value:
            value = by_label.get(label_ja) or _fresh_key("option", taken)
        if not _OPTION_VALUE.match(value):
            errors.append(f"line {number}: value '{value}' may use only A-Z a-z 0-9 _ -")
            continue
        if value in {o["value"] for o in options}:
            errors.append(f"line {number}: value '{value}' is used twice")
            continue
        taken.add(value)
        label: dict[str, str] = {"ja": label_ja}
        if label_en:
            label["en"] = label_en
        options.append({"value": value, "label": label})
    return options, errors


def options_text(options: list[dict[str, Any]]) -> str:
    """The editor's text for options: ``ラベル`` or ``ラベル | English`` per line (values
    stay attached to their labels, see :func:`parse_options`)."""
    lines = []
    for option in options:
        label = option.get("label")
        english = label.get("en") if isinstance(label, dict) else None
        lines.append(" | ".join([text(label)] + ([english] if english else [])))
    return "\n".join(lines)


# --- rules <-> JSON Logic ----------------------------------------------------------------

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


# --- guard rails ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that stops publishing, with the item it is about (for a link)."""

    message_ja: str
    message_en: str
    step: str = ""
    field: str = ""

    def message(self, language: str) -> str:
        return self.message_en if language.startswith("en") else self.message_ja


def _loc_item(definition: Definition, loc: tuple[Any, ...]) -> tuple[str, str]:
    step_key = field_key = ""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        all_steps = steps(definition)
        if loc[1] < len(all_steps):
            step = all_steps[loc[1]]
            step_key = str(step.get("key", ""))
            if len(loc) >= 4 and loc[2] == "fields" and isinstance(loc[3], int):
                fields = step.get("fields") or []
                if loc[3] < len(fields):
                    field_key = str(fields[loc[3]].get("key", ""))
    return step_key, field_key


def publish_problems(definition: Definition) -> list[Problem]:
    """Everything that stops this draft from being published, each with what to fix.

    The builder's own checks come first (they name the item in the staff member's
    words); the schema's validation (``FormSchema`` and ``schema_problems``) runs last
    as the final word, so nothing the builder forgets can be published either.
    """
    problems: list[Problem] = []
    all_steps = steps(definition)
    if not all_steps:
        problems.append(
            Problem(
                "ページが1つもありません。ページを追加してください。",
                "Add a page: the form has none.",
            )
        )
    keys = field_keys(definition)
    seen: set[str] = set()
    for step in all_steps:
        step_key = str(step.get("key"))
        title = text(step.get("title"))
        if not step.get("fields"):
            problems.append(
                Problem(
                    f"ページ「{title}」に項目がありません。項目を追加するか、ページを削除してください。",
                    f"Page “{title}” has no questions: add one or remove the page.",
                    step=step_key,
                )
            )
        for name in sorted(condition_variables(step.get("visible_if"))):
            if name not in keys:
                problems.append(
                    Problem(
                        f"ページ「{title}」の表示条件が、削除された項目「{name}」を参照しています。条件を直すか削除してください。",
                        f"The display rule of page “{title}” refers to the deleted question "
                        f"“{name}”: fix or remove the rule.",
                        step=step_key,
                    )
                )
        for field in step.get("fields") or []:
            key = str(field.get("key"))
            label = text(field.get("label")) or key
            if key in seen:
                problems.append(
                    Problem(
                        f"項目キー「{key}」が重複しています。「{label}」のキーを別の名前に変えてください。",
                        f"The key “{key}” is used twice: give “{label}” another key.",
                        step=step_key,
                        field=key,
                    )
                )
            seen.add(key)
            if field.get("type") == "choice" and not field.get("options"):
                problems.append(
                    Problem(
                        f"選択肢の項目「{label}」に選択肢がありません。選択肢を1つ以上入力してください。",
                        f"The choice question “{label}” has no options: add at least one.",
                        step=step_key,
                        field=key,
                    )
                )
            for rule_name, rule_ja, rule_en in (
                ("visible_if", "表示条件", "display rule"),
                ("required_if", "必須条件", "required rule"),
            ):
                for name in sorted(condition_variables(field.get(rule_name))):
                    if name not in keys:
                        problems.append(
                            Problem(
                                f"「{label}」の{rule_ja}が、削除された項目「{name}」を参照しています。条件を直すか削除してください。",
                                f"The {rule_en} of “{label}” refers to the deleted question "
                                f"“{name}”: fix or remove the rule.",
                                step=step_key,
                                field=key,
                            )
                        )
    if definition.get("identity") == "mynumber_sign" and "online" not in (
        definition.get("channels") or []
    ):
        problems.append(
            Problem(
                "電子署名はオンライン申請でのみ使えます。申請経路に「電子申請」を含めてください。",
                "A signature is only possible online: include the online channel.",
            )
        )
    if problems:
        return problems
    try:
        schema = FormSchema.model_validate(definition)
    except ValidationError as error:
        for item in error.errors():
            step_key, field_key = _loc_item(definition, tuple(item["loc"]))
            where = ".".join(str(p) for p in item["loc"]) or "schema"
            message = f"{where}: {item['msg']}"
            problems.append(Problem(message, message, step=step_key, field=field_key))
        return problems
    for message in schema_problems(schema):  # defensive: model_validate already ran these
        problems.append(Problem(message, message))
    return problems


def is_valid_key(key: str) -> bool:
    return re.match(KEY_PATTERN, key) is not None


# --- plain-language diff -----------------------------------------------------------------


def _labelled(definition: Definition, language: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        str(f.get("key")): (str(s.get("key")), f)
        for s in steps(definition)
        for f in s.get("fields") or []
    }


_FORM_PROPERTIES: dict[str, tuple[str, str]] = {
    "title": ("フォームの名前", "the form's title"),
    "description": ("説明", "the description"),
    "identity": ("本人確認", "identity verification"),
    "channels": ("申請経路", "the channels"),
    "confirmation_message": ("完了メッセージ", "the confirmation message"),
    "applicant_name_field": ("申請者名の項目", "the applicant name question"),
    "review": ("審査の有無", "whether staff review submissions"),
    "notify_statuses": ("申請者にメールで知らせる変更", "status changes emailed to the applicant"),
}
_FIELD_PROPERTIES: dict[str, tuple[str, str]] = {
    "label": ("項目名", "label"),
    "help": ("説明", "help text"),
    "required": ("必須", "required"),
    "visible_if": ("表示条件", "display rule"),
    "required_if": ("必須条件", "required rule"),
    "options": ("選択肢", "options"),
    "prefill": ("本人確認情報からの自動入力", "identity prefill"),
    "type": ("種類", "type"),
}


# How stored codes read in the publish and versions pages (never `none`, `online`, `text_1`).
_VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "identity": {
        "none": ("なし（自己申告）", "none (self-declared)"),
        "account": ("アカウント（ログイン）", "signed-in account"),
        "mynumber_auth": ("マイナンバーカード", "My Number Card"),
        "mynumber_sign": ("マイナンバーカード（電子署名あり）", "My Number Card with signature"),
    },
    "channels": {
        "online": ("電子申請", "online"),
        "mail": ("郵送申請書の作成支援", "print and post"),
        "counter": ("窓口来所前の事前登録", "pre-register for the counter"),
    },
    "notify_statuses": {
        "in_review": ("審査中", "in review"),
        "approved": ("承認", "approved"),
        "rejected": ("却下", "rejected"),
        "completed": ("完了", "completed"),
        "result_delivered": ("電子交付", "result delivered"),
    },
    "prefill": {
        "name": ("氏名", "name"),
        "name_kana": ("フリガナ", "name in katakana"),
        "address": ("住所", "address"),
        "postal_code": ("郵便番号", "postal code"),
        "birth_date": ("生年月日", "date of birth"),
        "sex": ("性別", "sex"),
    },
    "widget": {
        "radio": ("ラジオボタン", "round buttons"),
        "select": ("ドロップダウン", "drop-down list"),
        "checkbox": ("チェックボックス", "check boxes"),
    },
    "script": {"katakana": ("カタカナ", "katakana"), "hiragana": ("ひらがな", "hiragana")},
    "type": TYPE_NAMES,
}
# Properties whose value is the key of another question: shown as that question's label.
_FIELD_REFERENCES = frozenset({"applicant_name_field", "address_field"})


def _value_label(definition: Definition, name: str, value: Any, language: str) -> str:
    index = 0 if language == "ja" else 1
    if name in _FIELD_REFERENCES:
        for field in all_fields(definition):
            if field.get("key") == value:
                return text(field.get("label"), language) or str(value)
    labels = _VALUE_LABELS.get(name, {})
    return labels[value][index] if value in labels else str(value)


def _shown(definition: Definition, name: str, value: Any, language: str) -> str:
    if value in (None, "", [], {}):
        return "（なし）" if language == "ja" else "(none)"
    if isinstance(value, str) and (name in _VALUE_LABELS or name in _FIELD_REFERENCES):
        return _value_label(definition, name, value, language)
    if isinstance(value, list) and name in _VALUE_LABELS:
        return "、".join(_value_label(definition, name, v, language) for v in value)
    if name in ("visible_if", "required_if"):
        return logic_summary(definition, value, language)
    if name == "options":
        return "、".join(text(o.get("label"), language) for o in value)
    if isinstance(value, dict) and "ja" in value:
        return text(value, language)
    if isinstance(value, bool):
        return ("はい" if value else "いいえ") if language == "ja" else ("yes" if value else "no")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def diff(old: Definition, new: Definition, language: str = "ja") -> list[str]:
    """What changed from ``old`` to ``new``, one sentence per change, in plain words."""
    ja = language == "ja"
    changes: list[str] = []
    first = not steps(old)
    for name, (name_ja, name_en) in _FORM_PROPERTIES.items():
        before, after = old.get(name), new.get(name)
        if first and after not in (None, "", [], {}):
            # Nothing published yet: what the form will be, 「本人確認: なし（自己申告）」.
            shown = _shown(new, name, after, language)
            changes.append(
                f"{name_ja}: {shown}" if ja else f"{name_en[0].upper()}{name_en[1:]}: {shown}"
            )
            continue
        if before != after:
            b, a = _shown(old, name, before, language), _shown(new, name, after, language)
            changes.append(
                f"{name_ja}を「{b}」から「{a}」に変更"
                if ja
                else f"Changed {name_en} from “{b}” to “{a}”"
            )
    old_steps = {str(s.get("key")): s for s in steps(old)}
    new_steps = {str(s.get("key")): s for s in steps(new)}
    for key, step in new_steps.items():
        title = text(step.get("title"), language)
        if key not in old_steps:
            changes.append(f"ページ「{title}」を追加" if ja else f"Added page “{title}”")
        else:
            before_title = text(old_steps[key].get("title"), language)
            if before_title != title:
                changes.append(
                    f"ページ名を「{before_title}」から「{title}」に変更"
                    if ja
                    else f"Renamed page “{before_title}” to “{title}”"
                )
            if old_steps[key].get("visible_if") != step.get("visible_if"):
                a = _shown(new, "visible_if", step.get("visible_if"), language)
                changes.append(
                    f"ページ「{title}」の表示条件を「{a}」に変更"
                    if ja
                    else f"Changed the display rule of page “{title}” to “{a}”"
                )
    for key, step in old_steps.items():
        if key not in new_steps:
            title = text(step.get("title"), language)
            changes.append(f"ページ「{title}」を削除" if ja else f"Removed page “{title}”")
    common_steps = [k for k in old_steps if k in new_steps]
    if common_steps != [k for k in new_steps if k in old_steps]:
        changes.append("ページの順番を変更" if ja else "Changed the order of the pages")

    old_fields, new_fields = _labelled(old, language), _labelled(new, language)
    for key, (step_key, field) in new_fields.items():
        label = text(field.get("label"), language) or key
        step_title = text(new_steps[step_key].get("title"), language)
        if key not in old_fields:
            kind = TYPE_NAMES.get(str(field.get("type")), ("", ""))[0 if ja else 1]
            changes.append(
                f"ページ「{step_title}」に項目「{label}」（{kind}）を追加"
                if ja
                else f"Added question “{label}” ({kind}) on page “{step_title}”"
            )
            continue
        old_step_key, before = old_fields[key]
        if old_step_key != step_key:
            changes.append(
                f"項目「{label}」をページ「{step_title}」に移動"
                if ja
                else f"Moved question “{label}” to page “{step_title}”"
            )
        for name in sorted(set(before) | set(field)):
            if name == "key" or before.get(name) == field.get(name):
                continue
            name_ja, name_en = _FIELD_PROPERTIES.get(name, (name, name))
            b = _shown(old, name, before.get(name), language)
            a = _shown(new, name, field.get(name), language)
            changes.append(
                f"項目「{label}」の{name_ja}を「{b}」から「{a}」に変更"
                if ja
                else f"Changed the {name_en} of “{label}” from “{b}” to “{a}”"
            )
    for key, (_step_key, field) in old_fields.items():
        if key not in new_fields:
            label = text(field.get("label"), language) or key
            changes.append(f"項目「{label}」を削除" if ja else f"Removed question “{label}”")
    old_order = [k for k in old_fields if k in new_fields]
    new_order = [k for k in new_fields if k in old_fields]
    if old_order != new_order and not any("移動" in c or "Moved" in c for c in changes):
        changes.append("項目の順番を変更" if ja else "Changed the order of the questions")
    return changes
