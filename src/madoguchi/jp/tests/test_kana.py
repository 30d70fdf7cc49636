from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.kana import (
    normalize_width,
    to_hiragana,
    to_katakana,
    unify_dashes,
    validate_hiragana,
    validate_katakana,
)

HIRAGANA = [chr(c) for c in range(0x3041, 0x3097)]
KATAKANA = [chr(c) for c in range(0x30A1, 0x30F7)]
SPACES = [" ", "\u3000"]
KATAKANA_OUTPUT = set(KATAKANA) | {"ー", "・", "\u3000"}
HIRAGANA_OUTPUT = set(HIRAGANA) | {"ー", "・", "\u3000"}

hiragana_readings = st.text(alphabet=[*HIRAGANA, "ー", "・", *SPACES])
katakana_readings = st.text(alphabet=[*KATAKANA, "ー", "・", *SPACES])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("ｶｶﾞ ﾀﾛｳ", "カガ タロウ"),
        ("ﾊﾟｰｸ･ﾋﾞﾙ", "パーク・ビル"),
        ("  加賀　　太郎 ", "加賀 太郎"),
        ("＠＃（）", "@#()"),
        ("すでに正規化済み", "すでに正規化済み"),
    ],
)
def test_width_is_folded_to_half_width_ascii_and_full_width_kana(text: str, expected: str) -> None:
    assert normalize_width(text) == expected


@given(st.text())
@example("ｶﾞﾟﾞ")
@example("ＡＢ　ｶﾞ\u3000\u3000x")
def test_width_normalisation_is_idempotent(text: str) -> None:
    once = normalize_width(text)
    assert normalize_width(once) == once


@given(st.text())
def test_width_normalisation_leaves_no_full_width_ascii_half_width_kana_or_double_spaces(
    text: str,
) -> None:
    result = normalize_width(text)
    assert not any("\uff01" <= c <= "\uff5e" for c in result)
    assert not any("\uff66" <= c <= "\uff9d" for c in result)
    assert "  " not in result
    assert result == result.strip()


@pytest.mark.parametrize("dash", ["-", "‐", "−", "ー", "－", "–", "—", "ｰ"])
def test_every_hyphen_like_character_becomes_an_ascii_hyphen(dash: str) -> None:
    assert unify_dashes(f"922{dash}8622") == "922-8622"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("かが たろう", "カガ\u3000タロウ"),
        ("ｶｶﾞ   ﾀﾛｳ", "カガ\u3000タロウ"),
        ("　かが　　タロウ　", "カガ\u3000タロウ"),
        ("ゔぁいおりん", "ヴァイオリン"),
        ("か\u3099", "ガ"),
        ("わ\u3099", "ヷ"),
    ],
)
def test_readings_are_converted_to_katakana_with_one_full_width_space(
    text: str, expected: str
) -> None:
    assert to_katakana(text) == expected


def test_readings_are_converted_to_hiragana_with_one_full_width_space() -> None:
    assert to_hiragana("カガ タロウ") == "かが\u3000たろう"
    assert to_hiragana("ｶｶﾞ ﾀﾛｳ") == "かが\u3000たろう"
    assert to_hiragana("ヴヵヶ") == "ゔゕゖ"


@pytest.mark.parametrize("text", ["カガ　タロウ", "かが たろう", "ｶｶﾞ ﾀﾛｳ", "ジョン・スミス", ""])
def test_katakana_validation_accepts_kana_in_any_width_or_alphabet(text: str) -> None:
    result = validate_katakana(text)
    assert set(result) <= KATAKANA_OUTPUT


@pytest.mark.parametrize("text", ["加賀 太郎", "Kaga Taro", "カガ1", "カガ!", "ヷ", "ヽ"])
def test_katakana_validation_rejects_kanji_latin_digits_and_rare_kana(text: str) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        validate_katakana(text)
    assert exc.value.code == "not_katakana"
    assert "katakana" in str(exc.value)


@pytest.mark.parametrize("text", ["加賀", "kaga", "ヷ"])
def test_hiragana_validation_rejects_what_cannot_be_written_in_hiragana(text: str) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        validate_hiragana(text)
    assert exc.value.code == "not_hiragana"


@given(hiragana_readings)
def test_any_hiragana_reading_is_accepted_as_katakana_and_yields_only_katakana(
    text: str,
) -> None:
    result = validate_katakana(text)
    assert set(result) <= KATAKANA_OUTPUT
    assert validate_katakana(result) == result


@given(katakana_readings)
def test_any_katakana_reading_is_accepted_as_hiragana_and_yields_only_hiragana(
    text: str,
) -> None:
    result = validate_hiragana(text)
    assert set(result) <= HIRAGANA_OUTPUT
    assert validate_hiragana(result) == result


@given(hiragana_readings)
def test_hiragana_and_katakana_conversion_round_trip(text: str) -> None:
    assert to_hiragana(to_katakana(text)) == to_hiragana(text)


@given(st.text())
@example("わ\u3099")
def test_kana_conversion_is_idempotent_on_arbitrary_text(text: str) -> None:
    assert to_katakana(to_katakana(text)) == to_katakana(text)
    assert to_hiragana(to_hiragana(text)) == to_hiragana(text)


@given(st.text())
def test_kana_validators_raise_only_their_documented_error(text: str) -> None:
    for validate, code in (
        (validate_katakana, "not_katakana"),
        (validate_hiragana, "not_hiragana"),
    ):
        try:
            validate(text)
        except InvalidJapaneseInput as exc:
            assert exc.code == code
