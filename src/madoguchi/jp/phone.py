"""Japanese telephone numbers.

Residents write numbers as 0761-72-1111, (0761)72-1111, ０９０ー１２３４ー５６７８
or +81 90 1234 5678. Where the hyphens go depends on the area code (市外局番),
whose length varies from one to five digits, so we rely on Google's
libphonenumber metadata (the ``phonenumbers`` package) both to validate the
number and to place the hyphens the way Japanese readers expect.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext_lazy as _

from .errors import InvalidJapaneseInput
from .kana import normalize_width, unify_dashes

__all__ = ["normalize_phone"]

_REGION = "JP"
_COUNTRY_CODE = 81
# Digits and the punctuation people put around them. Letters are refused up
# front: libphonenumber would otherwise read vanity numbers (0120-ABC-DEF) and
# "ext." suffixes, which a municipal form should not silently accept.
_ALLOWED = re.compile(r"\+?[0-9()\-. ]{1,40}")
_MSG_PHONE_INVALID = _("Enter a Japanese phone number, e.g. 0761-72-1111 or 090-1234-5678.")


def normalize_phone(text: str) -> str:
    """Return a valid Japanese number in national format, e.g. ``"0761-72-1111"``.

    Full-width characters, any kind of dash, parentheses, spaces and the
    international form ``+81 …`` are accepted. Numbers of other countries, and
    numbers libphonenumber does not consider assigned in Japan, raise
    ``phone_invalid``. Normalising the result again returns it unchanged.
    """
    candidate = unify_dashes(normalize_width(text))
    if not _ALLOWED.fullmatch(candidate):
        raise InvalidJapaneseInput("phone_invalid", _MSG_PHONE_INVALID)
    try:
        number = phonenumbers.parse(candidate, _REGION)
    except phonenumbers.NumberParseException:
        raise InvalidJapaneseInput("phone_invalid", _MSG_PHONE_INVALID) from None
    if number.country_code != _COUNTRY_CODE or not phonenumbers.is_valid_number(number):
        raise InvalidJapaneseInput("phone_invalid", _MSG_PHONE_INVALID)
    formatted: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return formatted
