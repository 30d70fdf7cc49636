from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.lgcode import check_digit, is_valid_lg_code, validate_lg_code

five_digits = st.text(alphabet="0123456789", min_size=5, max_size=5)

# Published codes (総務省「全国地方公共団体コード」), chosen to cover every
# remainder of the weighted sum modulo 11, including the two edge cases.
REAL_CODES = {
    "010006": "北海道",
    "011002": "札幌市",
    "130001": "東京都",
    "131016": "千代田区",
    "141003": "横浜市",
    "172014": "金沢市",
    "172065": "加賀市",
    "270008": "大阪府",
    "401307": "福岡市",
    "472115": "沖縄市",
    # weighted sum % 11 == 0, so the check digit is (11 - 0) % 10 == 1
    "131041": "新宿区",
    "042081": "角田市",
    "272141": "富田林市",
    # weighted sum % 11 == 1, so the check digit is (11 - 1) % 10 == 0
    "281000": "神戸市",
    "131130": "渋谷区",
    "042030": "塩竈市",
    "134210": "小笠原村",
}


def _weighted_remainder(first_five: str) -> int:
    return sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True)) % 11


@pytest.mark.parametrize("code", sorted(REAL_CODES))
def test_published_local_government_codes_are_valid(code: str) -> None:
    assert check_digit(code[:5]) == int(code[5])
    assert is_valid_lg_code(code)
    assert validate_lg_code(code) == code


def test_the_examples_cover_both_edge_cases_of_the_modulus() -> None:
    remainders = {_weighted_remainder(code[:5]) for code in REAL_CODES}
    assert {0, 1} <= remainders


def test_a_remainder_of_zero_gives_check_digit_one_and_of_one_gives_zero() -> None:
    assert _weighted_remainder("13104") == 0
    assert check_digit("13104") == 1
    assert _weighted_remainder("28100") == 1
    assert check_digit("28100") == 0


def test_full_width_digits_and_surrounding_spaces_are_accepted() -> None:
    assert validate_lg_code(" １７２０６５\u3000") == "172065"


@pytest.mark.parametrize("code", ["", "17206", "1720650", "17206a", "172-065", "１７２０６"])
def test_anything_but_six_digits_is_a_format_error(code: str) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        validate_lg_code(code)
    assert exc.value.code == "lg_code_format"
    assert not is_valid_lg_code(code)


def test_a_wrong_check_digit_is_reported_with_the_expected_digit() -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        validate_lg_code("172066")
    assert exc.value.code == "lg_code_check_digit"
    assert exc.value.params == {"code": "172066", "expected": 5}
    message = "The check digit of 172066 is wrong: the last digit should be 5."
    with translation.override("en"):
        assert str(exc.value) == message
    with translation.override("ja"):
        assert str(exc.value) == "172066 の検査数字が正しくありません。末尾は 5 になるはずです。"


@pytest.mark.parametrize("first_five", ["1720", "172065", "１７２０６", "abcde"])
def test_check_digit_needs_exactly_five_ascii_digits(first_five: str) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        check_digit(first_five)
    assert exc.value.code == "lg_code_format"


@given(five_digits)
def test_appending_the_check_digit_always_gives_a_valid_code(first_five: str) -> None:
    code = f"{first_five}{check_digit(first_five)}"
    assert is_valid_lg_code(code)
    assert validate_lg_code(code) == code


@given(five_digits, st.integers(min_value=1, max_value=9))
def test_any_other_last_digit_is_rejected(first_five: str, offset: int) -> None:
    wrong = (check_digit(first_five) + offset) % 10
    code = f"{first_five}{wrong}"
    assert not is_valid_lg_code(code)
    with pytest.raises(InvalidJapaneseInput) as exc:
        validate_lg_code(code)
    assert exc.value.code == "lg_code_check_digit"


@given(five_digits, st.integers(min_value=0, max_value=4), st.integers(min_value=1, max_value=9))
@example("00000", 0, 9)
def test_a_single_mistyped_digit_is_caught_unless_it_moves_the_remainder_between_0_and_10(
    first_five: str, position: int, offset: int
) -> None:
    # The weights are nonzero modulo 11, so any single-digit change moves the
    # remainder; but remainders 0 and 10 both give check digit 1.
    mistyped = first_five[:position] + str((int(first_five[position]) + offset) % 10)
    mistyped += first_five[position + 1 :]
    undetectable = {_weighted_remainder(first_five), _weighted_remainder(mistyped)} == {0, 10}

    assert is_valid_lg_code(f"{mistyped}{check_digit(first_five)}") == undetectable


def test_remainders_0_and_10_share_check_digit_1_so_some_typos_pass() -> None:
    assert (_weighted_remainder("00000"), _weighted_remainder("90000")) == (0, 10)
    assert is_valid_lg_code("000001")
    assert is_valid_lg_code("900001")


@given(st.text())
def test_arbitrary_text_raises_only_the_documented_codes(text: str) -> None:
    try:
        validate_lg_code(text)
    except InvalidJapaneseInput as exc:
        assert exc.code in {"lg_code_format", "lg_code_check_digit"}
