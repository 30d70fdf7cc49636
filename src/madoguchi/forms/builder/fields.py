"""The field editor's inputs: which properties each field type offers, and reading them
back from a POST into the schema's JSON. Pure functions, no database.

Every property is shown with a label and read back with an error message per input, so
a staff member who types "十" into a maximum length sees what to fix and loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from .. import fieldtypes
from ..fieldtypes.base import EditorProp
from . import edits

PREFILL_CHOICES = [
    ("", _("Not filled from the card")),
    # One language per label: Japanese from the catalogue, English as the msgid.
    ("name", _("Name")),
    ("name_kana", _("Name in katakana")),
    ("address", _("Address")),
    ("postal_code", _("Postal code")),
    ("birth_date", _("Date of birth")),
    ("sex", _("Sex")),
]
# One input of the field editor; the per-type ones are declared by each field type.
Prop = EditorProp


COMMON = [
    Prop("label", "ltext", _("Question"), _("What the resident reads above the answer box.")),
    Prop("help", "ltext", _("Help text"), _("An example or a hint, shown under the question.")),
    Prop("required", "bool", _("The resident must answer")),
]
PREFILL = Prop(
    "prefill",
    "select",
    _("Fill from the My Number Card"),
    _("With a verified card the answer is filled in and locked."),
    PREFILL_CHOICES,
)


def props_for(field_type: str) -> list[Prop]:
    """The editor's inputs for a question of ``field_type``: the common ones, the type's
    own (see :mod:`madoguchi.forms.fieldtypes`), and the card prefill where it applies."""
    kind = fieldtypes.get(field_type)
    # Text between questions asks nothing: no hint, nothing to require.
    common = [p for p in COMMON if kind.collects_input or p.name not in ("help", "required")]
    extra = [PREFILL] if kind.takes_prefill else []
    return common + list(kind.editor_props) + extra


def initial_values(current: dict[str, Any]) -> dict[str, Any]:
    """The editor's input values (name → str or list) for a stored field."""
    values: dict[str, Any] = {"key": current.get("key", "")}
    for prop in props_for(str(current.get("type"))):
        value = current.get(prop.name)
        if prop.kind == "ltext":
            values[f"{prop.name}_ja"] = edits.text(value, "ja") if value else ""
            values[f"{prop.name}_en"] = value.get("en", "") if isinstance(value, dict) else ""
        elif prop.kind == "bool":
            default = prop.name == "integer"
            values[prop.name] = bool(value if value is not None else default)
        elif prop.kind == "options":
            values[prop.name] = edits.options_text(value or [])
        elif prop.kind == "multi":
            values[prop.name] = list(value) if value else [c[0] for c in prop.choices]
        else:
            values[prop.name] = "" if value is None else str(value)
    return values


def _number(raw: str, *, integer: bool) -> int | float:
    cleaned = (
        raw.strip()
        .replace(",", "")
        .translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
    )
    number = float(cleaned)
    if integer:
        if not number.is_integer():
            raise ValueError(raw)
        return int(number)
    return int(number) if number.is_integer() else number


def field_from_post(
    current: dict[str, Any], data: Mapping[str, Any], getlist: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(new field JSON, entered values to re-show, errors by input name).

    Conditions (visible_if, required_if) are kept: the rule editor changes them.
    """
    field_type = str(current.get("type"))
    new: dict[str, Any] = {
        "key": str(data.get("key", "")).strip() or current["key"],
        "type": field_type,
    }
    # Keep what this editor does not show (rules, autocomplete, ...): saving a question
    # must never drop a property set elsewhere, e.g. in an imported file.
    shown = {p.name for p in props_for(field_type)} | {"key", "type"}
    new |= {name: value for name, value in current.items() if name not in shown}
    entered: dict[str, Any] = {"key": new["key"]}
    errors: dict[str, str] = {}
    if not edits.is_valid_key(new["key"]):
        errors["key"] = str(
            _("Start with a lowercase letter; use only a-z, 0-9 and _ (e.g. child_age).")
        )
    for prop in props_for(field_type):
        if prop.kind == "ltext":
            ja = str(data.get(f"{prop.name}_ja", "")).strip()
            en = str(data.get(f"{prop.name}_en", "")).strip()
            entered[f"{prop.name}_ja"], entered[f"{prop.name}_en"] = ja, en
            if ja:
                new[prop.name] = {"ja": ja} | ({"en": en} if en else {})
            elif en:
                errors[f"{prop.name}_ja"] = str(_("Enter the Japanese text too."))
            elif prop.name in ("label", "body"):
                errors[f"{prop.name}_ja"] = str(_("Enter the text in Japanese."))
        elif prop.kind == "bool":
            checked = data.get(prop.name) in ("on", "true", "1")
            entered[prop.name] = checked
            new[prop.name] = checked
        elif prop.kind in ("int", "number"):
            raw = str(data.get(prop.name, "")).strip()
            entered[prop.name] = raw
            if raw:
                try:
                    new[prop.name] = _number(raw, integer=prop.kind == "int")
                except ValueError:
                    errors[prop.name] = str(
                        _("Enter a whole number such as 50.")
                        if prop.kind == "int"
                        else _("Enter a number such as 5 or 2.5.")
                    )
        elif prop.kind == "options":
            raw = str(data.get(prop.name, ""))
            entered[prop.name] = raw
            options, problems = edits.parse_options(raw, current.get("options") or [])
            new[prop.name] = options
            if problems:
                errors[prop.name] = "; ".join(problems)
        elif prop.kind == "multi":
            chosen = [v for v in getlist(prop.name) if v in {c[0] for c in prop.choices}]
            entered[prop.name] = chosen
            if chosen:
                new[prop.name] = chosen
            else:
                errors[prop.name] = str(_("Choose at least one."))
        else:
            raw = str(data.get(prop.name, "")).strip()
            entered[prop.name] = raw
            if raw:
                new[prop.name] = raw
    if not errors:
        for name, message in edits.validate_field(new).items():
            target = (
                f"{name}_ja"
                if name in ("label", "help", "unit", "body", "pattern_message")
                else name
            )
            errors[target] = message
    return new, entered, errors
