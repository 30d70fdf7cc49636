"""A date typed in 和暦 (era, year, month, day) or 西暦; stored as ISO 8601, shown in 和暦.

The form posts four parts (``key__era``, ``key__year`` ...); the API may send the same
parts as an object, or one string in either calendar (``令和8年4月1日``, ``2026-04-01``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from madoguchi.jp import kana, wareki
from madoguchi.jp.errors import InvalidJapaneseInput

from ..schema import DateField
from .base import (
    CellRenderer,
    CellValue,
    EditorProp,
    ExportCells,
    FieldInvalid,
    FieldType,
    Widget,
    declared_purpose,
    japanese_error,
)
from .registry import register

DATE_PARTS = ("era", "year", "month", "day")
SEIREKI = "seireki"
# A date part is digits (full-width ones too, after folding), or 元 for the first year of an era.
_DATE_PART = re.compile(r"-?[0-9]+")
# More digits than this cannot be a year, month or day of any calendar (and int() of
# thousands of digits is slow): such a part is simply a date that does not exist.
_MAX_DATE_PART_DIGITS = 20
# Excel's serial dates start in 1900 (and count a 29 February 1900 that never was):
# earlier dates are written as text.
EXCEL_FIRST_DAY = date(1900, 3, 1)


@register
class Date(FieldType[DateField]):
    name = "date"
    model = DateField
    display_name = pgettext_lazy("field type", "Date")
    template_name = "forms/fields/date.html"
    locked_as_text = True
    editor_props = (
        EditorProp(
            "min_days_from_today",
            "int",
            gettext_lazy("Earliest: days from today (e.g. 1, or -36500)"),
        ),
        EditorProp("max_days_from_today", "int", gettext_lazy("Latest: days from today (e.g. 60)")),
        EditorProp("min_date", "text", gettext_lazy("Earliest date (YYYY-MM-DD)")),
        EditorProp("max_date", "text", gettext_lazy("Latest date (YYYY-MM-DD)")),
    )

    def raw_from_post(self, form_field: DateField, data: Mapping[str, Any]) -> Any:
        key = form_field.key
        parts = {part: str(data.get(f"{key}__{part}", "")).strip() for part in DATE_PARTS}
        if any(parts[p] for p in ("year", "month", "day")):
            return parts
        return str(data.get(key, ""))

    def clean(self, form_field: DateField, value: Any) -> str:
        try:
            if isinstance(value, dict):
                parsed = _date_from_parts(value)
            elif isinstance(value, str):
                parsed = wareki.parse_date(value)
            else:
                raise FieldInvalid(_("Enter the year, month and day as numbers."))
        except InvalidJapaneseInput as error:
            raise japanese_error(error) from error
        earliest, latest = date_range(form_field)
        # An era date outside the range is most often the wrong era (the selector's default).
        era_hint = (
            " " + _("Check the era, or enter the year in the Western calendar with four digits.")
            if isinstance(value, dict) and (value.get("era") or SEIREKI) != SEIREKI
            else ""
        )
        if earliest and parsed < earliest:
            raise FieldInvalid(
                _("Enter a date on or after %(date)s.") % {"date": display_date(earliest)}
                + era_hint
            )
        if latest and parsed > latest:
            raise FieldInvalid(
                _("Enter a date on or before %(date)s.") % {"date": display_date(latest)} + era_hint
            )
        return parsed.isoformat()

    def display(self, form_field: DateField, value: Any, *, language: str) -> str:
        return display_date(value)

    def input_purpose(self, form_field: DateField) -> str:
        # A date of birth answers ``bday`` (its boxes get ``bday-year`` and so on).
        purpose = declared_purpose(form_field)
        return purpose if purpose == "bday" else ""

    def widget(
        self, form_field: DateField, *, value: Any, language: str, locked_keys: frozenset[str]
    ) -> Widget:
        return Widget(
            extra={"parts": _date_parts(value, default_era(form_field)), "eras": era_choices()}
        )

    def export_renderer(self, form_field: DateField, cells: ExportCells) -> CellRenderer:
        def day(value: Any) -> CellValue:
            try:
                parsed = date.fromisoformat(str(value))
            except ValueError:
                return str(value)
            if cells.typed and parsed >= EXCEL_FIRST_DAY:
                return parsed
            return cells.date_text(parsed)

        return day


def _date_part(value: Any) -> int:
    """One of year, month and day: a JSON integer, digits (full-width too) or 元 (= 1)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise FieldInvalid(_("Enter the year, month and day as numbers."))
    folded = kana.normalize_width(value)
    if folded == "元":  # 令和元年 = 令和1年
        return 1
    if not _DATE_PART.fullmatch(folded):
        raise FieldInvalid(_("Enter the year, month and day as numbers."))
    if len(folded) > _MAX_DATE_PART_DIGITS:
        raise _no_such_date()
    return int(folded)


def _no_such_date() -> FieldInvalid:
    return FieldInvalid(_("That date does not exist. Check the month and day."))


def _is_western_year(value: Any, year: int) -> bool:
    """A year typed with four digits is a Western year, whatever the era selector says.

    No era lasted a thousand years, so 1955 under 令和 can only mean the year 1955: the
    resident typed the year they know and did not touch the era (which defaults to one).
    """
    if isinstance(value, str):
        return len(kana.normalize_width(value).lstrip("-")) == 4 and year >= 1000
    return year >= 1000


def _date_from_parts(value: dict[str, Any]) -> date:
    era = value.get("era") or SEIREKI
    if not isinstance(era, str):
        raise FieldInvalid(_("Use one of the eras Meiji, Taisho, Showa, Heisei or Reiwa."))
    try:
        year, month, day = (_date_part(value[p]) for p in DATE_PARTS[1:])
    except KeyError as error:
        raise FieldInvalid(_("Enter the year, month and day as numbers.")) from error
    if era != SEIREKI and _is_western_year(value["year"], year):
        era = SEIREKI
    if era == SEIREKI:
        if 0 <= year < 1000:
            # 55 or 030 in the Western calendar is an era year typed under 西暦.
            raise FieldInvalid(
                _(
                    "Enter the year with four digits, e.g. 1985, or choose the era "
                    "(e.g. Showa) and enter the year of the era."
                )
            )
        try:
            return date(year, month, day)
        except (ValueError, OverflowError) as error:  # OverflowError: beyond a C int
            raise _no_such_date() from error
    return wareki.from_wareki(era, year, month, day)


def date_range(form_field: DateField) -> tuple[date | None, date | None]:
    """The earliest and latest dates the question accepts today (None: no bound)."""
    today = timezone.localdate()
    return (
        _bound(form_field.min_date, form_field.min_days_from_today, today),
        _bound(form_field.max_date, form_field.max_days_from_today, today),
    )


def _bound(absolute: str | None, relative_days: int | None, today: date) -> date | None:
    if absolute:
        return date.fromisoformat(absolute)
    if relative_days is not None:
        return today + timedelta(days=relative_days)
    return None


def display_date(value: date | str) -> str:
    """和暦 in Japanese, with the Western year in English."""
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    if parsed < wareki.ERAS[0].start:
        # Before 明治 there is no era to show; such dates are valid answers all the same.
        return parsed.isoformat()
    if (get_language() or "ja").startswith("en"):
        return wareki.format_wareki(parsed, style="english")
    return f"{wareki.format_wareki(parsed)}（{parsed.year}年）"


def era_choices() -> list[tuple[str, str]]:
    """The era selector's options in the active language (令和 / Reiwa), Western first."""
    return [(SEIREKI, _("Western calendar"))] + [
        (era.key, era.localized_name()) for era in reversed(wareki.ERAS)
    ]


def default_era(form_field: DateField) -> str:
    """The era selected before the resident chooses one.

    A question whose dates may lie before the current era (a date of birth) starts on the
    Western calendar, which every resident can type; dates that can only fall in the
    current era (a visit next week) start on it.
    """
    current = wareki.ERAS[-1]
    earliest, _latest = date_range(form_field)
    return current.key if earliest is not None and earliest >= current.start else SEIREKI


def _date_parts(value: Any, era: str = "reiwa") -> dict[str, str]:
    """The four boxes of a date as the template fills them: what was typed, or a stored date."""
    empty = {"era": era, "year": "", "month": "", "day": ""}
    if isinstance(value, dict):
        return {k: str(value.get(k, "")) for k in DATE_PARTS}
    if isinstance(value, str) and value:
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            return empty
        if parsed < wareki.ERAS[0].start:
            # No era before 明治: show the answer in the Western calendar rather than lose it.
            return {
                "era": SEIREKI,
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
