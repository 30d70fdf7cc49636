from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.phone import normalize_phone

# 070-0xxx and 090-0xxx are unassigned, and libphonenumber rightly rejects them.
mobile_numbers = st.from_regex(r"0[789]0[1-9][0-9]{7}", fullmatch=True)


def _is_valid_jp(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, "JP")
    except phonenumbers.NumberParseException:
        return False
    # 010 is Japan's international call prefix: 010 27 ... dials South Africa.
    return number.country_code == 81 and phonenumbers.is_valid_number(number)


valid_numbers = st.from_regex(r"0[1-9][0-9]{8,9}", fullmatch=True).filter(_is_valid_jp)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0761-72-1111", "0761-72-1111"),
        ("0761721111", "0761-72-1111"),
        ("(0761)72-1111", "0761-72-1111"),
        ("０７６１－７２－１１１１", "0761-72-1111"),
        ("０７６１ー７２ー１１１１", "0761-72-1111"),
        ("+81 761-72-1111", "0761-72-1111"),
        ("09012345678", "090-1234-5678"),
        ("090 1234 5678", "090-1234-5678"),
        ("＋８１　９０‐１２３４‐５６７８", "090-1234-5678"),
        ("+81 (0)90 1234 5678", "090-1234-5678"),
        ("03-1234-5678", "03-1234-5678"),
        ("0120-123-456", "0120-123-456"),
        ("050-1234-5678", "050-1234-5678"),
    ],
)
def test_phone_numbers_are_accepted_however_they_are_typed(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "117",
        "0761-72",
        "090-0123-4567",
        "+1 650 253 0000",
        "010-1-650-253-0000",
        "0120-ABC-DEF",
        "090-1234-5678 ext. 12",
        "090-1234-5678-9999-9999",
        "電話番号",
    ],
)
def test_numbers_that_are_not_valid_in_japan_are_rejected(text: str) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        normalize_phone(text)
    assert exc.value.code == "phone_invalid"
    assert "0761-72-1111" in str(exc.value)


@given(mobile_numbers)
def test_any_mobile_number_is_accepted_and_keeps_all_its_digits(digits: str) -> None:
    result = normalize_phone(digits)
    assert result.replace("-", "") == digits
    assert result.startswith(digits[:3] + "-")


@given(valid_numbers)
def test_normalising_a_valid_number_twice_changes_nothing(digits: str) -> None:
    once = normalize_phone(digits)
    assert normalize_phone(once) == once
    assert once.replace("-", "") == digits


@given(valid_numbers)
def test_the_international_form_normalises_like_the_national_one(digits: str) -> None:
    assert normalize_phone(f"+81 {digits[1:]}") == normalize_phone(digits)


@given(st.text())
def test_arbitrary_text_is_either_a_number_or_a_phone_invalid_error(text: str) -> None:
    try:
        normalize_phone(text)
    except InvalidJapaneseInput as exc:
        assert exc.code == "phone_invalid"
