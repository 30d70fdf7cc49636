"""Turning what a resident typed into validated answers.

Two doors lead here: HTML form posts (:func:`raw_from_post`) and JSON from the API.
Both end in :func:`clean_answers`, so the rules are the same whichever channel is used.
Messages are in the active language and say what to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.jp import kana, phone, postal, wareki
from madoguchi.jp import text as jp_text
from madoguchi.jp.errors import InvalidJapaneseInput

from . import conditions
from .schema import (
    ChoiceField,
    ConsentField,
    DateField,
    EmailField,
    FileField,
    FormField,
    FormSchema,
    KanaField,
    LongTextField,
    NumberField,
    PhoneField,
    PostalCodeField,
    TextField,
)

DATE_PARTS = ("era", "year", "month", "day")
SEIREKI = "seireki"
# A date part is digits (full-width ones too, after folding), or 元 for the first year of an era.
_DATE_PART = re.compile(r"-?[0-9]+")
# More digits than this cannot be a year, month or day of any calendar (and int() of
# thousands of digits is slow): such a part is simply a date that does not exist.
_MAX_DATE_PART_DIGITS = 20
# No form asks for a number of 16 digits or more (and JSON readers lose precision there).
MAX_DIGITS = 15


class FieldInvalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class CleanResult:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def label_of(form_field: FormField) -> str:
    return form_field.label.get(get_language() or "ja")


def raw_from_post(form_field: FormField, data: Mapping[str, Any]) -> Any:
    """Read one field's raw value from a (Query)dict posted by the HTML form."""
    key = form_field.key
    if isinstance(form_field, ChoiceField) and form_field.multiple:
        getlist = getattr(data, "getlist", None)
        return list(getlist(key)) if getlist else list(data.get(key) or [])
    if isinstance(form_field, ConsentField):
        return data.get(key) in ("on", "true", "1", True)
    if isinstance(form_field, DateField):
        parts = {part: str(data.get(f"{key}__{part}", "")).strip() for part in DATE_PARTS}
        if any(parts[p] for p in ("year", "month", "day")):
            return parts
        return str(data.get(key, ""))
    return data.get(key, "")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value is False or value == {}


def _missing_message(form_field: FormField) -> str:
    label = label_of(form_field)
    if isinstance(form_field, ChoiceField):
        return _("Choose an answer for “%(label)s”.") % {"label": label}
    if isinstance(form_field, ConsentField):
        return _("Check “%(label)s” to continue.") % {"label": label}
    if isinstance(form_field, FileField):
        return _("Attach a file for “%(label)s”.") % {"label": label}
    return _("Enter “%(label)s”.") % {"label": label}


def _japanese(error: InvalidJapaneseInput) -> FieldInvalid:
    return FieldInvalid(str(error.message))


_LINE_BREAKS = re.compile(r"\r\n?")


def _string(value: Any) -> str:
    """The answer if it is a string: JSON numbers, lists or objects are not text."""
    if not isinstance(value, str):
        raise FieldInvalid(_("Enter text."))
    return value


def _clean_text(form_field: TextField | LongTextField | KanaField, value: Any) -> str:
    value = _string(value)
    if isinstance(form_field, LongTextField):
        # Browsers send CRLF; a lone CR (old Mac text pasted in) is a line break too.
        text = _LINE_BREAKS.sub("\n", value).strip()
    else:
        text = kana.normalize_width(value)
    if isinstance(form_field, KanaField):
        try:
            if form_field.script == "katakana":
                text = kana.validate_katakana(text)
            else:
                text = kana.validate_hiragana(text)
        except InvalidJapaneseInput as error:
            raise _japanese(error) from error
    min_length = getattr(form_field, "min_length", None)
    if min_length and len(text) < min_length:
        raise FieldInvalid(
            _("Enter at least %(count)d characters (now %(actual)d).")
            % {"count": min_length, "actual": len(text)}
        )
    if len(text) > form_field.max_length:
        raise FieldInvalid(
            _("Enter at most %(count)d characters (now %(actual)d).")
            % {"count": form_field.max_length, "actual": len(text)}
        )
    if isinstance(form_field, TextField):
        _check_pattern(form_field, text)
    return text


def _check_pattern(form_field: TextField, text: str) -> None:
    if not form_field.pattern or not text or re.fullmatch(form_field.pattern, text):
        return
    if form_field.pattern_message:
        raise FieldInvalid(form_field.pattern_message.get(get_language() or "ja"))
    raise FieldInvalid(_("Check the format of “%(label)s”.") % {"label": label_of(form_field)})


# Yen amounts are written 35,000円, ３５，０００円, ¥35,000 or 35,000 yen: the marks say nothing
# the question does not already say, so they are dropped before the number is read.
_YEN_UNITS = ("円", "yen", "jpy")
_YEN_SIGNS = "¥￥\\"


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


def _clean_number(form_field: NumberField, value: Any) -> int | float:
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
        raise FieldInvalid(_("Enter %(min)s or more.") % {"min": _number_text(form_field.min)})
    if form_field.max is not None and number > Decimal(str(form_field.max)):
        raise FieldInvalid(_("Enter %(max)s or less.") % {"max": _number_text(form_field.max)})
    if number.adjusted() >= MAX_DIGITS:
        raise FieldInvalid(_("Enter a number using digits, e.g. 12000."))
    result: int | float = int(number) if form_field.integer else float(number)
    if isinstance(result, float) and not math.isfinite(result):
        raise FieldInvalid(_("Enter a number using digits, e.g. 12000."))
    return result


def _number_text(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _clean_choice(form_field: ChoiceField, value: Any) -> str | list[str]:
    allowed = {option.value for option in form_field.options}
    if form_field.multiple:
        # Only a list of option values: list() of a string or an object would split it into
        # letters or keys and accept what the resident never chose.
        if not isinstance(value, list):
            raise FieldInvalid(_("Choose from the options shown."))
        values = value
        if any(not isinstance(v, str) or v not in allowed for v in values):
            raise FieldInvalid(_("Choose from the options shown."))
        # Keep the schema's order and drop duplicates, whatever order the browser sent.
        selected = [o.value for o in form_field.options if o.value in values]
        if form_field.min_selected and len(selected) < form_field.min_selected:
            raise FieldInvalid(_("Choose at least %(count)d.") % {"count": form_field.min_selected})
        if form_field.max_selected and len(selected) > form_field.max_selected:
            raise FieldInvalid(_("Choose at most %(count)d.") % {"count": form_field.max_selected})
        return selected
    if not isinstance(value, str) or value not in allowed:
        raise FieldInvalid(_("Choose from the options shown."))
    return value


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


def _clean_date(form_field: DateField, value: Any) -> str:
    try:
        if isinstance(value, dict):
            parsed = _date_from_parts(value)
        elif isinstance(value, str):
            parsed = wareki.parse_date(value)
        else:
            raise FieldInvalid(_("Enter the year, month and day as numbers."))
    except InvalidJapaneseInput as error:
        raise _japanese(error) from error
    earliest, latest = date_range(form_field)
    # An era date outside the range is most often the wrong era (the selector's default).
    era_hint = (
        " " + _("Check the era, or enter the year in the Western calendar with four digits.")
        if isinstance(value, dict) and (value.get("era") or SEIREKI) != SEIREKI
        else ""
    )
    if earliest and parsed < earliest:
        raise FieldInvalid(
            _("Enter a date on or after %(date)s.") % {"date": display_date(earliest)} + era_hint
        )
    if latest and parsed > latest:
        raise FieldInvalid(
            _("Enter a date on or before %(date)s.") % {"date": display_date(latest)} + era_hint
        )
    return parsed.isoformat()


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


def _clean_email(value: Any) -> str:
    text = kana.normalize_width(_string(value)).strip()
    try:
        validate_email(text)
    except ValidationError as error:
        raise FieldInvalid(_("Enter an email address such as taro@example.jp.")) from error
    return text


def _clean_postal_code(value: str) -> str:
    """Seven digits that Japan Post knows; unknown codes are typing mistakes.

    When the Japan Post data cannot be read, the code is taken as typed (well-formed):
    a missing data file must not stop residents from applying.
    """
    code = postal.normalize_postal_code(value)
    try:
        known = postal.lookup_address(code) is not None
    except postal.LookupUnavailable:
        known = True
    if not known:
        raise FieldInvalid(
            _(
                "There is no postal code %(code)s. Check the number on your mail or on "
                "Japan Post's website."
            )
            % {"code": postal.format_postal_code(code)}
        )
    return postal.format_postal_code(code)


def clean_value(form_field: FormField, value: Any) -> Any:
    """Validate and normalise one non-empty value; raises FieldInvalid with a message.

    Each type takes only its own JSON shape, and no string anywhere in the value may hold
    a character that cannot be stored (:mod:`madoguchi.jp.text`), so both databases and
    the canonical document accept whatever passes.
    """
    try:
        jp_text.check_value(value)
        if isinstance(form_field, TextField | LongTextField | KanaField):
            return _clean_text(form_field, value)
        if isinstance(form_field, NumberField):
            return _clean_number(form_field, value)
        if isinstance(form_field, ChoiceField):
            return _clean_choice(form_field, value)
        if isinstance(form_field, DateField):
            return _clean_date(form_field, value)
        if isinstance(form_field, EmailField):
            return _clean_email(value)
        if isinstance(form_field, PhoneField):
            return phone.normalize_phone(_string(value))
        if isinstance(form_field, PostalCodeField):
            return _clean_postal_code(_string(value))
        if isinstance(form_field, ConsentField):
            if value is not True:
                raise FieldInvalid(_missing_message(form_field))
            return True
        if isinstance(form_field, FileField):
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise FieldInvalid(_("Attach the file through the form."))
            return value
    except InvalidJapaneseInput as error:
        raise _japanese(error) from error
    raise FieldInvalid(_("This question takes no answer."))


def clean_answers(
    schema: FormSchema,
    raw: Mapping[str, Any],
    *,
    fields: Iterable[FormField] | None = None,
    known: Mapping[str, Any] | None = None,
    locked: Mapping[str, Any] | None = None,
) -> CleanResult:
    """Validate ``fields`` (default: the whole form) given answers already ``known``.

    Conditions see the known answers merged with this batch, so a rule may depend on
    a field on the same page. Answers to fields that do not apply are dropped: a
    resident who changes their mind leaves nothing hidden behind. ``locked`` values
    (from a verified identity) replace whatever was sent for those fields.
    """
    targets = [f for f in (fields if fields is not None else schema.fields()) if f.collects_input]
    locked = locked or {}
    result = CleanResult()
    candidates: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for form_field in targets:
        value = locked.get(form_field.key, raw.get(form_field.key))
        if is_empty(value):
            continue
        try:
            cleaned = clean_value(form_field, value)
        except FieldInvalid as error:
            problems[form_field.key] = error.message
            continue
        # Only spaces (full-width ones too) normalise to "": that is no answer.
        if not is_empty(cleaned):
            candidates[form_field.key] = cleaned
    target_keys = {f.key for f in targets}
    merged = {k: v for k, v in (known or {}).items() if k not in target_keys} | candidates
    applicable = {f.key for f in conditions.applicable_fields(schema, merged)}
    for form_field in targets:
        key = form_field.key
        if key not in applicable:
            continue
        if key in problems:
            result.errors[key] = [problems[key]]
        elif key in candidates:
            result.answers[key] = candidates[key]
        elif conditions.field_required(form_field, merged):
            result.errors[key] = [_missing_message(form_field)]
    return result


def unknown_keys(schema: FormSchema, raw: Mapping[str, Any]) -> list[str]:
    known = {f.key for f in schema.fields()}
    return sorted(k for k in raw if k not in known)


def display_value(form_field: FormField, value: Any) -> str:
    """How an answer reads on the review page, the receipt and the staff screen."""
    language = get_language() or "ja"
    if value is None or value == "" or value == []:
        return ""
    if isinstance(form_field, ChoiceField):
        labels = {o.value: o.label.get(language) for o in form_field.options}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values)
    if isinstance(form_field, DateField):
        return display_date(value)
    if isinstance(form_field, ConsentField):
        return _("Agreed") if value else ""
    if isinstance(form_field, NumberField):
        unit = form_field.unit.get(language) if form_field.unit else ""
        return f"{_number_text(value)}{unit}"
    if isinstance(form_field, FileField):
        return "、".join(str(item.get("name", "")) for item in value)
    return str(value)
