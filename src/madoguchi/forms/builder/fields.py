"""The field editor's inputs: which properties each field type offers, and reading them
back from a POST into the schema's JSON. Pure functions, no database.

Every property is shown with a label and read back with an error message per input, so
a staff member who types "十" into a maximum length sees what to fix and loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

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
FILE_TYPES = [
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG"),
    ("image/png", "PNG"),
]


@dataclass(frozen=True)
class Prop:
    """One input of the field editor. ``kind``: text, ltext (Japanese + English), int,
    number, bool, select, multi, options, ref (another field of the form)."""

    name: str
    kind: str
    label: Any
    help: Any = ""
    choices: list[tuple[str, Any]] = field(default_factory=list)


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
BY_TYPE: dict[str, list[Prop]] = {
    "text": [
        Prop("max_length", "int", _("Maximum length (characters)")),
        Prop("min_length", "int", _("Minimum length (characters)")),
        Prop("pattern", "text", _("Format (regular expression, for experts)")),
        Prop("pattern_message", "ltext", _("Message when the format is wrong")),
    ],
    "long_text": [
        Prop("max_length", "int", _("Maximum length (characters)")),
        Prop("rows", "int", _("Height of the box (lines)")),
    ],
    "number": [
        Prop("min", "number", _("Smallest allowed number")),
        Prop("max", "number", _("Largest allowed number")),
        Prop("integer", "bool", _("Whole numbers only")),
        Prop("unit", "ltext", _("Unit, e.g. 円 or 人")),
    ],
    "choice": [
        Prop(
            "options",
            "options",
            _("Options"),
            _(
                "One option per line. Optionally add the English label after a bar: "
                "電話 | By phone."
            ),
        ),
        Prop(
            "widget",
            "select",
            _("How the options are shown"),
            "",
            [
                ("radio", _("Round buttons: choose one")),
                ("select", _("Drop-down list: choose one")),
                ("checkbox", _("Check boxes: choose several")),
            ],
        ),
        Prop("min_selected", "int", _("At least this many (check boxes)")),
        Prop("max_selected", "int", _("At most this many (check boxes)")),
    ],
    "date": [
        Prop("min_days_from_today", "int", _("Earliest: days from today (e.g. 1, or -36500)")),
        Prop("max_days_from_today", "int", _("Latest: days from today (e.g. 60)")),
        Prop("min_date", "text", _("Earliest date (YYYY-MM-DD)")),
        Prop("max_date", "text", _("Latest date (YYYY-MM-DD)")),
    ],
    "email": [
        Prop("confirmation", "bool", _("Send the confirmation email to this address")),
    ],
    "phone": [],
    "postal_code": [
        Prop("address_field", "ref", _("Question that “Find address” fills")),
    ],
    "kana": [
        Prop(
            "script",
            "select",
            _("Script"),
            "",
            [("katakana", _("Katakana")), ("hiragana", _("Hiragana"))],
        ),
        Prop("max_length", "int", _("Maximum length (characters)")),
    ],
    "file": [
        Prop("max_size_mb", "number", _("Largest file (MB, up to 10)")),
        Prop("accept", "multi", _("Accepted file types"), "", list(FILE_TYPES)),
    ],
    "consent": [],
    "info": [Prop("body", "ltext", _("Text"))],
}
NO_PREFILL = {"choice", "file", "consent", "info"}


def props_for(field_type: str) -> list[Prop]:
    common = [p for p in COMMON if not (field_type == "info" and p.name in ("help", "required"))]
    extra = [] if field_type in NO_PREFILL else [PREFILL]
    return common + BY_TYPE.get(field_type, []) + extra


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
