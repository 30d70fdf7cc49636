"""A number: an amount in yen, a count of people. Stored as a JSON number."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from madoguchi.jp import kana

from ..schema import NumberField
from .base import CellRenderer, CellValue, EditorProp, ExportCells, FieldInvalid, FieldType, Widget
from .registry import register

# No form asks for a number of 16 digits or more (and JSON readers lose precision there).
MAX_DIGITS = 15
# Yen amounts are written 35,000円, ３５，０００円, ¥35,000 or 35,000 yen: the marks say nothing
# the question does not already say, so they are dropped before the number is read.
_YEN_UNITS = ("円", "yen", "jpy")
_YEN_SIGNS = "¥￥\\"
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]+)?")


@register
class Number(FieldType[NumberField]):
    name = "number"
    model = NumberField
    display_name = pgettext_lazy("field type", "Number")
    template_name = "forms/fields/number.html"
    editor_props = (
        EditorProp("min", "number", gettext_lazy("Smallest allowed number")),
        EditorProp("max", "number", gettext_lazy("Largest allowed number")),
        EditorProp("integer", "bool", gettext_lazy("Whole numbers only")),
        EditorProp("unit", "ltext", gettext_lazy("Unit, e.g. 円 or 人")),
        EditorProp("grouping", "bool", gettext_lazy("Show thousands separators (off for a year)")),
    )

    def clean(self, form_field: NumberField, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldInvalid(_("Enter a number."))
        # Full-width digits and commas fold to ASCII (３５，０００ is 35,000).
        text = kana.normalize_width(str(value))
        text = _without_unit(form_field, text).replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise FieldInvalid(_("Enter a number using digits, e.g. 12000.")) from error
        if not number.is_finite():
            raise FieldInvalid(_("Enter a number using digits, e.g. 12000."))
        if form_field.integer and number != number.to_integral_value():
            raise FieldInvalid(_("Enter a whole number without decimals."))
        # Bounds are checked on the Decimal: int(Decimal("1e1000000")) alone would take minutes.
        if form_field.min is not None and number < Decimal(str(form_field.min)):
            raise FieldInvalid(_("Enter %(min)s or more.") % {"min": number_text(form_field.min)})
        if form_field.max is not None and number > Decimal(str(form_field.max)):
            raise FieldInvalid(_("Enter %(max)s or less.") % {"max": number_text(form_field.max)})
        if number.adjusted() >= MAX_DIGITS:
            raise FieldInvalid(_("Enter a number using digits, e.g. 12000."))
        result: int | float = int(number) if form_field.integer else float(number)
        if isinstance(result, float) and not math.isfinite(result):
            raise FieldInvalid(_("Enter a number using digits, e.g. 12000."))
        return result

    def display(self, form_field: NumberField, value: Any, *, language: str) -> str:
        unit = form_field.unit.get(language) if form_field.unit else ""
        shown = number_text(value) if form_field.grouping else number_text(value).replace(",", "")
        return f"{shown}{unit}"

    def widget(
        self, form_field: NumberField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        return Widget(
            extra={
                "unit": form_field.unit.get(language) if form_field.unit else "",
                "inputmode": "numeric" if form_field.integer else "decimal",
            }
        )

    def export_renderer(self, form_field: NumberField, cells: ExportCells) -> CellRenderer:
        return typed_number if cells.typed else str


def number_text(value: float) -> str:
    """A number with thousands separators, without a trailing ``.0``."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _without_unit(form_field: NumberField, text: str) -> str:
    """Drop the question's own unit (either language) or, for amounts in yen, a yen mark."""
    unit = form_field.unit
    units = {u.strip().lower() for u in (unit.ja, unit.en) if u} if unit else set()
    is_yen = bool(units & set(_YEN_UNITS))
    if is_yen:
        units |= set(_YEN_UNITS)
        text = text.lstrip(_YEN_SIGNS).strip()
    lowered = text.lower()
    for mark in sorted(units, key=len, reverse=True):
        if mark and lowered.endswith(mark) and len(lowered) > len(mark):
            return text[: -len(mark)].strip()
    return text


def typed_number(value: Any) -> CellValue:
    """A number answer (stored as a JSON number after validation) as a number.

    The database hands JSON numbers over as text (``->>``) or, on SQLite, as numbers.
    Anything that is not a plain number (a value stored before validation was this
    strict) stays text rather than being guessed at.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if not _PLAIN_NUMBER.fullmatch(text):
        return text
    return float(text) if "." in text else int(text)
