"""Prepare fields for the templates: labels in the active language, values, errors, widgets.

Templates stay dumb: everything a field needs to render accessibly (ids, described-by,
checked options, 和暦 parts) is computed here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.jp import postal, wareki

from . import conditions
from .answers import date_range, display_value
from .schema import (
    ChoiceField,
    DateField,
    EmailField,
    FileField,
    FormField,
    FormSchema,
    InfoField,
    LongTextField,
    NumberField,
    PhoneField,
    PostalCodeField,
    Step,
    TextField,
)


def era_choices() -> list[tuple[str, str]]:
    """The era selector's options in the active language (令和 / Reiwa), Western first."""
    return [("seireki", _("Western calendar"))] + [
        (era.key, era.localized_name()) for era in reversed(wareki.ERAS)
    ]


# WCAG 2.1 SC 1.3.5: the input purposes (HTML autofill tokens) a question may declare.
INPUT_PURPOSES = frozenset(
    {
        "name", "honorific-prefix", "given-name", "additional-name", "family-name",
        "honorific-suffix", "nickname", "organization-title", "username", "new-password",
        "current-password", "organization", "street-address", "address-line1",
        "address-line2", "address-line3", "address-level4", "address-level3",
        "address-level2", "address-level1", "country", "country-name", "postal-code",
        "cc-name", "cc-given-name", "cc-additional-name", "cc-family-name", "cc-number",
        "cc-exp", "cc-exp-month", "cc-exp-year", "cc-csc", "cc-type", "transaction-currency",
        "transaction-amount", "language", "bday", "bday-day", "bday-month", "bday-year",
        "sex", "url", "photo", "tel", "tel-country-code", "tel-national", "tel-area-code",
        "tel-local", "tel-local-prefix", "tel-local-suffix", "tel-extension", "email", "impp",
    }
)  # fmt: skip
# What a card-prefilled question is, when the form does not say.
_PREFILL_PURPOSES = {
    "name": "name",
    "address": "street-address",
    "postal_code": "postal-code",
    "birth_date": "bday",
    "sex": "sex",
}


def input_purpose(form_field: FormField) -> str:
    """The ``autocomplete`` token of a question, or ``""`` when it has no listed purpose.

    Emails, phone numbers and postal codes have theirs by type; other questions take the
    token the form declares (the builder stores it) or the one their card prefill implies.
    A date of birth answers ``bday`` (its boxes get ``bday-year`` and so on).
    """
    if isinstance(form_field, EmailField):
        return "email"
    if isinstance(form_field, PhoneField):
        return "tel"
    if isinstance(form_field, PostalCodeField):
        return "postal-code"
    declared = getattr(form_field, "autocomplete", None) or ""
    purpose = declared.strip().lower() or _PREFILL_PURPOSES.get(form_field.prefill or "", "")
    if purpose not in INPUT_PURPOSES:
        return ""
    if isinstance(form_field, DateField):
        return purpose if purpose == "bday" else ""
    if isinstance(form_field, ChoiceField):
        # A select can take a purpose; radios and checkboxes cannot.
        return purpose if form_field.widget == "select" else ""
    if isinstance(form_field, TextField | LongTextField):
        return purpose
    return ""


@dataclass
class OptionView:
    value: str
    label: str
    checked: bool


@dataclass
class FieldView:
    key: str
    type: str
    label: str
    help: str
    required: bool
    value: Any
    errors: list[str]
    locked: bool
    visible: bool
    options: list[OptionView] = field(default_factory=list)
    widget: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # JSON Logic for the browser; the server re-evaluates regardless.
    visible_if: str = ""
    # The HTML autofill token (WCAG 1.3.5); "" for none.
    autocomplete: str = ""

    @property
    def dom_id(self) -> str:
        return f"field-{self.key}"

    @property
    def described_by(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.dom_id}-help")
        if self.errors:
            ids.append(f"{self.dom_id}-error")
        if self.locked:
            ids.append(f"{self.dom_id}-locked")
        return " ".join(ids)

    def part_autocomplete(self, part: str) -> str:
        """``bday-year`` for the year box of a date of birth; ``off`` for other dates."""
        return f"{self.autocomplete}-{part}" if self.autocomplete == "bday" else "off"

    @property
    def autocomplete_year(self) -> str:
        return self.part_autocomplete("year")

    @property
    def autocomplete_month(self) -> str:
        return self.part_autocomplete("month")

    @property
    def autocomplete_day(self) -> str:
        return self.part_autocomplete("day")


def default_era(form_field: DateField) -> str:
    """The era selected before the resident chooses one.

    A question whose dates may lie before the current era (a date of birth) starts on the
    Western calendar, which every resident can type; dates that can only fall in the
    current era (a visit next week) start on it.
    """
    current = wareki.ERAS[-1]
    earliest, _latest = date_range(form_field)
    return current.key if earliest is not None and earliest >= current.start else "seireki"


def _date_parts(value: Any, era: str = "reiwa") -> dict[str, str]:
    empty = {"era": era, "year": "", "month": "", "day": ""}
    if isinstance(value, dict):
        return {k: str(value.get(k, "")) for k in ("era", "year", "month", "day")}
    if isinstance(value, str) and value:
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return empty
        if parsed < wareki.ERAS[0].start:
            # No era before 明治: show the answer in the Western calendar rather than lose it.
            return {
                "era": "seireki",
                "year": str(parsed.year),
                "month": str(parsed.month),
                "day": str(parsed.day),
            }
        converted = wareki.to_wareki(parsed)
        return {
            "era": converted.era.key,
            "year": str(converted.year),
            "month": str(converted.month),
            "day": str(converted.day),
        }
    return empty


def field_view(
    form_field: FormField,
    *,
    value: Any,
    errors: list[str],
    answers: dict[str, Any],
    locked: bool = False,
) -> FieldView:
    language = get_language() or "ja"
    view = FieldView(
        key=form_field.key,
        type=form_field.type,
        label=form_field.label.get(language),
        # Hints say how to type; a locked answer is not typed, and a hint such as "if you
        # moved, enter your new address" would contradict the lock.
        help=form_field.help.get(language) if form_field.help and not locked else "",
        required=form_field.required,
        value=value,
        errors=errors,
        locked=locked,
        visible=conditions.field_applies(form_field, answers),
        visible_if=json.dumps(form_field.visible_if) if form_field.visible_if else "",
        autocomplete=input_purpose(form_field),
    )
    if locked and isinstance(form_field, ChoiceField | DateField):
        # Shown as read-only text: disabled radios and selects are greyed out and unreadable.
        view.extra["locked_as_text"] = True
        view.extra["locked_text"] = display_value(form_field, value) if value else ""
    if isinstance(form_field, ChoiceField):
        selected = value if isinstance(value, list) else [value]
        view.widget = form_field.widget
        view.options = [
            OptionView(o.value, o.label.get(language), o.value in selected)
            for o in form_field.options
        ]
    elif isinstance(form_field, DateField):
        view.extra |= {
            "parts": _date_parts(value, default_era(form_field)),
            "eras": era_choices(),
        }
    elif isinstance(form_field, NumberField):
        view.extra = {
            "unit": form_field.unit.get(language) if form_field.unit else "",
            "inputmode": "numeric" if form_field.integer else "decimal",
        }
    elif isinstance(form_field, InfoField):
        view.extra = {"body": form_field.body.get(language)}
    elif isinstance(form_field, PostalCodeField):
        view.extra = {"address_field": form_field.address_field or ""}
    elif isinstance(form_field, FileField):
        view.extra = {"accept": ",".join(form_field.accept), "max_size_mb": form_field.max_size_mb}
    if form_field.required_if and not form_field.required:
        # The tag says what is true now (from the answers so far); the browser updates it
        # when an answer the rule reads changes on this page.
        view.extra["required_if"] = json.dumps(form_field.required_if)
        view.required = conditions.field_required(form_field, answers)
    return view


def step_views(
    step: Step,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    answers: dict[str, Any],
    locked_keys: frozenset[str] = frozenset(),
) -> list[FieldView]:
    values = values | _postal_codes_of_locked_addresses(step, values, locked_keys)
    return [
        field_view(
            f,
            value=values.get(f.key),
            errors=errors.get(f.key, []),
            answers=answers,
            locked=f.key in locked_keys,
        )
        for f in step.fields
    ]


def _postal_codes_of_locked_addresses(
    step: Step, values: dict[str, Any], locked_keys: frozenset[str]
) -> dict[str, str]:
    """Postal codes for addresses the card filled: the card gives no postal code.

    Filled (still editable) only where Japan Post's data gives exactly one code for the
    address; otherwise the resident types it.
    """
    filled: dict[str, str] = {}
    for form_field in step.fields:
        if not isinstance(form_field, PostalCodeField) or form_field.key in locked_keys:
            continue
        address = values.get(form_field.address_field or "")
        if form_field.address_field not in locked_keys or values.get(form_field.key):
            continue
        if not isinstance(address, str) or not address:
            continue
        try:
            code = postal.postal_code_for(address)
        except postal.LookupUnavailable:
            code = None
        if code:
            filled[form_field.key] = postal.format_postal_code(code)
    return filled


@dataclass
class ProgressView:
    number: int
    title: str
    current: bool
    done: bool


def progress(
    schema: FormSchema, answers: dict[str, Any], current: int | None
) -> list[ProgressView]:
    """The applicable steps plus the review page, numbered as the resident sees them."""
    language = get_language() or "ja"
    items = []
    for number, (index, step) in enumerate(conditions.applicable_steps(schema, answers), start=1):
        items.append(
            ProgressView(
                number=number,
                title=step.title.get(language),
                current=index == current,
                done=current is None or index < current,
            )
        )
    items.append(
        ProgressView(number=len(items) + 1, title=_("Review"), current=current is None, done=False)
    )
    return items


@dataclass
class AnswerSection:
    step_index: int
    title: str
    rows: list[dict[str, str]]


def answer_sections(
    schema: FormSchema, answers: dict[str, Any], *, answered_only: bool = False
) -> list[AnswerSection]:
    """The answers as they read, step by step: the review page, the staff screen."""
    language = get_language() or "ja"
    sections = []
    for index, step in conditions.applicable_steps(schema, answers):
        rows = [
            {
                "key": f.key,
                "label": f.label.get(language),
                "value": display_value(f, answers.get(f.key)),
            }
            for f in step.fields
            if f.collects_input
            and conditions.field_applies(f, answers)
            and (f.key in answers or not answered_only)
        ]
        if rows or not answered_only:
            sections.append(AnswerSection(index, step.title.get(language), rows))
    return sections
