"""Pure edits of a draft form definition, for the no-code builder.

A draft is the schema's JSON (``FormSchema.model_dump(mode="json")``) and may be
incomplete while staff work on it: a choice field without options, a step without
fields. Every function here takes a definition and returns a new one (the input is
never mutated), so a failed edit cannot leave half a change behind, and tests need
no database. Beside it: ``rules`` (conditions as simple rules and their summaries),
``problems`` (what stops publishing) and ``diff`` (what changed between versions).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from typing import Any, Literal

import jaconv
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext, override, pgettext
from pydantic import TypeAdapter, ValidationError

from madoguchi.core.refusals import Refused

from .. import fieldtypes
from ..schema import KEY_PATTERN, FormField

Definition = dict[str, Any]
Language = Literal["ja", "en"]

# The field types in the schema's order (the order of the builder's type list), and what
# each is called in the builder (the type list, the field editor, the diff): both from the
# field-type registry, so a new type appears here without an edit.
FIELD_TYPES: tuple[str, ...] = tuple(fieldtypes.names())
TYPE_NAMES: dict[str, str | Promise] = {t.name: t.display_name for t in fieldtypes.all_types()}
_FIELD_ADAPTER: TypeAdapter[Any] = TypeAdapter(FormField)


class BuilderError(Refused, ValueError):
    """An edit that cannot be made (unknown key, duplicate key); the message says why."""

    code = "builder_edit_refused"


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


def type_name(field_type: str, language: str = "ja") -> str:
    """A field type's name in ``language``; "" for a type the builder does not know."""
    if field_type not in TYPE_NAMES:
        return ""
    with override(language):
        return str(TYPE_NAMES[field_type])


def yes_or_no(value: bool, language: str = "ja") -> str:
    """A yes/no answer in words, as summaries and the version diff show it."""
    with override(language):
        return pgettext("answer", "yes") if value else pgettext("answer", "no")


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


def _in(language: str, make: Any, *args: Any) -> str:
    """``make(*args)`` translated into ``language``: a definition stores both languages."""
    with override(language):
        return str(make(*args))


def _info_placeholder() -> str:
    return gettext("Enter the information text.")


def _page_title(number: int) -> str:
    return pgettext("new page title", "Page %(number)s") % {"number": number}


def add_step(
    definition: Definition, *, title_ja: str, title_en: str = ""
) -> tuple[Definition, str]:
    result = _copy(definition)
    key = _fresh_key("step", {str(s.get("key")) for s in steps(result)})
    number = len(steps(result)) + 1
    # Never the internal key as a title: 「ページ2」 until the author names the page.
    title: dict[str, str] = {"ja": title_ja or _in("ja", _page_title, number)}
    if title_en or not title_ja:
        title["en"] = title_en or _in("en", _page_title, number)
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
        "label": {"ja": label_ja or type_name(field_type, "ja")},
    }
    if field_type == "choice":
        field["options"] = []
    if field_type == "info":
        field["body"] = {"ja": _in("ja", _info_placeholder)}
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
    fees = result.get("fees")
    for item in (fees.get("items") or []) if isinstance(fees, dict) else []:
        if item.get("quantity_field") == old:
            item["quantity_field"] = new
        for name in ("amount", "applies_if"):
            if item.get(name):
                item[name] = _rename_var(item[name], old, new)
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
            errors.append(
                gettext("Line %(number)s: the Japanese label is empty.") % {"number": number}
            )
            continue
        if not value:
            value = by_label.get(label_ja) or _fresh_key("option", taken)
        if not _OPTION_VALUE.match(value):
            errors.append(
                gettext("Line %(number)s: the value “%(value)s” may use only A-Z a-z 0-9 _ -.")
                % {"number": number, "value": value}
            )
            continue
        if value in {o["value"] for o in options}:
            errors.append(
                gettext("Line %(number)s: the value “%(value)s” is used twice.")
                % {"number": number, "value": value}
            )
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


def is_valid_key(key: str) -> bool:
    return re.match(KEY_PATTERN, key) is not None
