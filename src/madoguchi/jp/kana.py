"""Character-width and kana normalisation for Japanese form input.

Japanese keyboards (IMEs) make it easy to type ``ＡＢＣ１２３`` instead of
``ABC123``, half-width katakana (``ｶｶﾞ``) survives from old systems and
copy-paste, and residents type readings (フリガナ) in hiragana even when the
form asks for katakana. These helpers fold all of that into one canonical form
so that stored values compare equal and validators only see one alphabet.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django.utils.translation import gettext_lazy as _

from .errors import InvalidJapaneseInput

__all__ = [
    "normalize_width",
    "to_hiragana",
    "to_katakana",
    "unify_dashes",
    "validate_hiragana",
    "validate_katakana",
]

FULLWIDTH_SPACE = "\u3000"

# Every character a resident may type where a hyphen is meant: ASCII hyphen,
# Unicode hyphens and dashes, the minus sign, the full-width hyphen-minus and
# the katakana long-vowel marks (IMEs often produce ー for "-" after digits).
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u2501\u30fc\uff0d\uff70\ufe63"
_DASH_TABLE = str.maketrans({c: "-" for c in _DASHES})

# Hiragana ぁ..ゖ and the iteration marks ゝゞ sit exactly 0x60 code points
# below their katakana counterparts ァ..ヶ and ヽヾ.
_HIRA_TO_KATA = str.maketrans({c: c + 0x60 for c in [*range(0x3041, 0x3097), 0x309D, 0x309E]})
_KATA_TO_HIRA = str.maketrans({c + 0x60: c for c in [*range(0x3041, 0x3097), 0x309D, 0x309E]})

# What a reading (フリガナ / ふりがな) may contain once normalised: the kana of
# the alphabet in question, the long-vowel mark ー, the middle dot ・ used in
# foreign names, and a full-width space between family and given name.
_KATAKANA_READING = re.compile(r"[\u30a1-\u30f6\u30fc\u30fb\u3000]*")
_HIRAGANA_READING = re.compile(r"[\u3041-\u3096\u30fc\u30fb\u3000]*")

_MSG_NOT_KATAKANA = _(
    "Enter the reading in katakana (e.g. カガ タロウ). Hiragana is converted automatically."
)
_MSG_NOT_HIRAGANA = _(
    "Enter the reading in hiragana (e.g. かが たろう). Katakana is converted automatically."
)


def normalize_width(text: str) -> str:
    """Fold character widths the way Japanese administrative systems expect.

    Full-width ASCII letters, digits and symbols become half-width; half-width
    katakana becomes full-width (``ｶﾞ`` → ``ガ``); every run of whitespace,
    including the ideographic space, becomes one ASCII space; ends are
    stripped. Meant for single-line fields: line breaks are folded too.
    The result is a fixed point (normalising it again changes nothing).
    """
    folded = jaconv.z2h(text, kana=False, ascii=True, digit=True)
    folded = jaconv.h2z(folded, kana=True, ascii=False, digit=False)
    return " ".join(folded.split())


def unify_dashes(text: str) -> str:
    """Replace every hyphen-like character with ASCII ``-``.

    Only for numeric fields (postal codes, phone numbers, dates): in a name
    ``ー`` is a long vowel and must be kept.
    """
    return text.translate(_DASH_TABLE)


def _convert_reading(text: str, table: dict[int, int]) -> str:
    # NFC on the way in composes decomposed dakuten (カ + U+3099, as pasted from
    # macOS file names) into ガ; NFC on the way out composes pairs that only
    # have a precomposed form in the target alphabet (わ + U+3099 → ヷ), so
    # that converting a second time changes nothing.
    words = normalize_width(unicodedata.normalize("NFC", text)).split(" ")
    converted = FULLWIDTH_SPACE.join(word.translate(table) for word in words if word)
    return unicodedata.normalize("NFC", converted)


def to_katakana(text: str) -> str:
    """Convert a reading to full-width katakana, one full-width space between words.

    Hiragana and half-width katakana are converted; other characters are left
    for :func:`validate_katakana` to reject.
    """
    return _convert_reading(text, _HIRA_TO_KATA)


def to_hiragana(text: str) -> str:
    """Convert a reading to hiragana, one full-width space between words.

    Katakana without a hiragana counterpart (ヷ, ヸ, ヹ, ヺ) is left unchanged.
    """
    return _convert_reading(text, _KATA_TO_HIRA)


def validate_katakana(text: str) -> str:
    """Return the katakana form of a reading, or raise ``not_katakana``.

    An empty or blank value is returned as ``""``: whether the field is
    required is the form's decision, not this validator's.
    """
    reading = to_katakana(text)
    if not _KATAKANA_READING.fullmatch(reading):
        raise InvalidJapaneseInput("not_katakana", _MSG_NOT_KATAKANA)
    return reading


def validate_hiragana(text: str) -> str:
    """Return the hiragana form of a reading, or raise ``not_hiragana``."""
    reading = to_hiragana(text)
    if not _HIRAGANA_READING.fullmatch(reading):
        raise InvalidJapaneseInput("not_hiragana", _MSG_NOT_HIRAGANA)
    return reading
