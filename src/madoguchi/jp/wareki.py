"""和暦 (Japanese era calendar) conversion and lenient date parsing.

Municipal forms, resident records and paper documents give dates as 令和7年4月1日,
as the abbreviated R7.4.1, or in the Western calendar; all three must end up as
the same :class:`datetime.date`. Era boundaries are exact days (平成31年4月30日
is the last day of 平成, the next day is 令和元年5月1日), so an era date is only
valid if it falls inside its era: 平成31年5月1日 is a typing mistake, not a date.

Dates before 1873-01-01 (明治6年) are mapped proleptically, keeping the
Gregorian month and day, although Japan still used the lunisolar calendar until
明治5年12月2日: no record a municipality handles online reaches back that far,
and a proleptic mapping keeps every conversion a simple bijection.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .errors import InvalidJapaneseInput
from .kana import unify_dashes

__all__ = [
    "ERAS",
    "Era",
    "WarekiDate",
    "format_for_residents",
    "format_wareki",
    "from_wareki",
    "get_era",
    "parse_date",
    "to_wareki",
]


@dataclass(frozen=True)
class Era:
    """One imperial era (元号) and the first day it was in force."""

    key: str
    name: str
    letter: str
    english: str
    start: date

    def localized_name(self) -> str:
        """令和 in Japanese, Reiwa in English (the active language)."""
        return self.english if (get_language() or "ja").startswith("en") else self.name


ERAS: tuple[Era, ...] = (
    Era("meiji", "明治", "M", "Meiji", date(1868, 10, 23)),
    Era("taisho", "大正", "T", "Taisho", date(1912, 7, 30)),
    Era("showa", "昭和", "S", "Showa", date(1926, 12, 25)),
    Era("heisei", "平成", "H", "Heisei", date(1989, 1, 8)),
    Era("reiwa", "令和", "R", "Reiwa", date(2019, 5, 1)),
)

_ERA_LOOKUP: dict[str, Era] = {
    alias: era
    for era in ERAS
    for alias in (era.key, era.name, era.letter.lower(), era.english.lower())
}

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_MSG_DATE_FORMAT = _("Enter the date as in 令和7年4月1日, R7.4.1 or 2025-04-01.")
_MSG_DATE_INVALID = _("This date does not exist. Check the month and the day.")
_MSG_UNKNOWN_ERA = _("Use one of the eras Meiji, Taisho, Showa, Heisei or Reiwa.")
_MSG_OUT_OF_ERA = _(
    "That date is not in %(era)s, which ran from %(first)s to %(last)s. Check the era and the year."
)
_MSG_OUT_OF_CURRENT_ERA = _(
    "That date is not in %(era)s, which began on %(first)s. Check the era and the year."
)
_MSG_BEFORE_MEIJI = _(
    "Dates before %(first)s cannot be written in the Japanese era calendar. "
    "Enter the date in the Western calendar, e.g. 1868-01-01."
)


@dataclass(frozen=True)
class WarekiDate:
    """A date expressed as era, era year (1 = 元年), month and day."""

    era: Era
    year: int
    month: int
    day: int


def get_era(name: str) -> Era:
    """Find an era by key (``"reiwa"``), kanji (``"令和"``), letter or English name.

    Letters and English names are case-insensitive. Unknown names raise
    ``wareki_unknown_era``.
    """
    era = _ERA_LOOKUP.get(name.strip().lower())
    if era is None:
        raise InvalidJapaneseInput("wareki_unknown_era", _MSG_UNKNOWN_ERA)
    return era


def _last_day(era: Era) -> date | None:
    index = ERAS.index(era)
    if index + 1 == len(ERAS):
        return None
    return ERAS[index + 1].start - timedelta(days=1)


def to_wareki(d: date) -> WarekiDate:
    """Express a Gregorian date in the era in force on that day."""
    for era in reversed(ERAS):
        if d >= era.start:
            return WarekiDate(era, d.year - era.start.year + 1, d.month, d.day)
    raise InvalidJapaneseInput(
        "wareki_before_meiji", _MSG_BEFORE_MEIJI, params={"first": ERAS[0].start.isoformat()}
    )


def _era_name(era: Era) -> str:
    return era.localized_name()


# Messages are rendered later, in the language active then: so is the era's name.
_lazy_era_name = lazy(_era_name, str)


def _out_of_era(era: Era) -> InvalidJapaneseInput:
    last = _last_day(era)
    if last is None:
        return InvalidJapaneseInput(
            "wareki_out_of_era",
            _MSG_OUT_OF_CURRENT_ERA,
            params={"era": _lazy_era_name(era), "first": era.start.isoformat()},
        )
    return InvalidJapaneseInput(
        "wareki_out_of_era",
        _MSG_OUT_OF_ERA,
        params={
            "era": _lazy_era_name(era),
            "first": era.start.isoformat(),
            "last": last.isoformat(),
        },
    )


def from_wareki(era_key: str, year: int, month: int, day: int) -> date:
    """Convert an era date to a Gregorian date, checking that it lies inside the era.

    ``era_key`` may be anything :func:`get_era` accepts. 平成31年4月30日 is
    accepted, 平成31年5月1日 is not (it is 令和元年5月1日), and neither is
    令和元年4月30日. A day that does not exist raises ``date_invalid``.
    """
    era = get_era(era_key)
    if year < 1:
        raise _out_of_era(era)
    try:
        result = date(era.start.year + year - 1, month, day)
    except (ValueError, OverflowError):
        raise InvalidJapaneseInput("date_invalid", _MSG_DATE_INVALID) from None
    last = _last_day(era)
    if result < era.start or (last is not None and result > last):
        raise _out_of_era(era)
    return result


def format_wareki(d: date, *, style: Literal["kanji", "english"] = "kanji") -> str:
    """Render a date in the era calendar.

    ``"kanji"`` gives ``令和7年4月1日`` and writes year 1 as 元年, as official
    documents do; ``"english"`` gives ``1 April 2025 (Reiwa 7)``.
    """
    w = to_wareki(d)
    if style == "english":
        return f"{w.day} {_MONTHS[w.month - 1]} {d.year} ({w.era.english} {w.year})"
    year = "元" if w.year == 1 else str(w.year)
    return f"{w.era.name}{year}年{w.month}月{w.day}日"


def format_for_residents(value: date | datetime, *, language: str, time: bool = False) -> str:
    """A date as residents read it everywhere (pages, emails, My page): the era year with
    the Western year beside it, ``令和8年4月1日（2026年）`` or ``1 April 2026 (Reiwa 8)``.

    An aware datetime is shown in the server's time zone (Asia/Tokyo); ``time`` adds
    ``14:05``.
    """
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        day = moment.date()
    else:
        day = value
    if language.startswith("en"):
        text = format_wareki(day, style="english")
    else:
        text = f"{format_wareki(day)}（{day.year}年）"
    if time and moment is not None:
        text += f" {moment:%H:%M}"
    return text


_ERA_TOKEN = "|".join(sorted({era.name for era in ERAS} | {era.letter.lower() for era in ERAS}))
_YMD_TAIL = (
    r"(?:年(?P<m1>[0-9]{1,2})月(?P<d1>[0-9]{1,2})日"
    r"|[./-](?P<m2>[0-9]{1,2})[./-](?P<d2>[0-9]{1,2}))"
)
# Three digits of era year reach 令和999年 (3017); more is certainly a typo.
_WAREKI_RE = re.compile(rf"(?P<era>{_ERA_TOKEN})(?P<year>元|[0-9]{{1,3}}){_YMD_TAIL}")
_WESTERN_RE = re.compile(rf"(?P<year>[0-9]{{4}}){_YMD_TAIL}")
_COMPACT_RE = re.compile(r"(?P<year>[0-9]{4})(?P<m1>[0-9]{2})(?P<d1>[0-9]{2})")


def _month_day(match: re.Match[str]) -> tuple[int, int]:
    groups = match.groupdict()
    month = groups.get("m1") or groups["m2"]
    day = groups.get("d1") or groups["d2"]
    return int(month), int(day)


def parse_date(text: str) -> date:
    """Read a date typed the way Japanese residents and documents write it.

    Accepted after NFKC folding (full-width digits, ㋿-style era ligatures),
    dash unification and removal of all whitespace::

        令和7年4月1日  令和元年5月1日  R7.4.1  R07/04/01  r7-4-1
        2025-04-01  2025/4/1  2025年4月1日  20250401

    Raises ``date_format`` for anything else, ``date_invalid`` for a day that
    does not exist and ``wareki_out_of_era`` for an era date outside its era.
    """
    normalized = unify_dashes(unicodedata.normalize("NFKC", text))
    compact = "".join(normalized.split()).lower()

    if match := _WAREKI_RE.fullmatch(compact):
        year_text = match.group("year")
        year = 1 if year_text == "元" else int(year_text)
        month, day = _month_day(match)
        return from_wareki(match.group("era"), year, month, day)

    match = _WESTERN_RE.fullmatch(compact) or _COMPACT_RE.fullmatch(compact)
    if match is None:
        raise InvalidJapaneseInput("date_format", _MSG_DATE_FORMAT)
    month, day = _month_day(match)
    try:
        return date(int(match.group("year")), month, day)
    except ValueError:
        raise InvalidJapaneseInput("date_invalid", _MSG_DATE_INVALID) from None
