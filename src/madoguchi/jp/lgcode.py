"""全国地方公共団体コード: the six-digit code of a prefecture or municipality.

The first two digits are the prefecture (JIS X 0401), the next three the
municipality (JIS X 0402), and the sixth is a check digit defined by 総務省:
multiply the five digits by 6, 5, 4, 3, 2, add the products, take the
remainder of the sum divided by 11, and use the last digit of
``11 - remainder``. So a remainder of 0 gives 1 (新宿区 13104 → 131041) and a
remainder of 1 gives 0 (神戸市 28100 → 281000). The check digit catches a
mistyped digit before the code reaches an inter-municipal data exchange, except
when the typo moves the remainder between 0 and 10, which share check digit 1.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from .errors import InvalidJapaneseInput
from .kana import normalize_width

__all__ = ["check_digit", "is_valid_lg_code", "validate_lg_code"]

_WEIGHTS = (6, 5, 4, 3, 2)
_FIVE_DIGITS = re.compile(r"[0-9]{5}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")

_MSG_FORMAT = _(
    "Enter the 6-digit local government code (5 digits and a check digit), e.g. 172065."
)
_MSG_CHECK_DIGIT = _("The check digit of %(code)s is wrong: the last digit should be %(expected)s.")


def check_digit(first_five: str) -> int:
    """Compute the check digit for the five-digit JIS X 0402 code ``first_five``.

    Raises ``lg_code_format`` unless ``first_five`` is exactly five ASCII digits.
    """
    if not _FIVE_DIGITS.fullmatch(first_five):
        raise InvalidJapaneseInput("lg_code_format", _MSG_FORMAT)
    total = sum(int(digit) * weight for digit, weight in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def validate_lg_code(code: str) -> str:
    """Return the six-digit code, normalised to ASCII digits, or raise.

    Raises ``lg_code_format`` if the value is not six digits (full-width digits
    and surrounding spaces are fine) and ``lg_code_check_digit`` if the last
    digit does not match the first five.
    """
    digits = normalize_width(code)
    if not _SIX_DIGITS.fullmatch(digits):
        raise InvalidJapaneseInput("lg_code_format", _MSG_FORMAT)
    expected = check_digit(digits[:5])
    if int(digits[5]) != expected:
        raise InvalidJapaneseInput(
            "lg_code_check_digit",
            _MSG_CHECK_DIGIT,
            params={"code": digits, "expected": expected},
        )
    return digits


def is_valid_lg_code(code: str) -> bool:
    """Whether :func:`validate_lg_code` would accept ``code``."""
    try:
        validate_lg_code(code)
    except InvalidJapaneseInput:
        return False
    return True
