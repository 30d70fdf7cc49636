from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.postal import (
    Address,
    format_postal_code,
    lookup_address,
    normalize_postal_code,
)

seven_digits = st.text(alphabet="0123456789", min_size=7, max_size=7)


@pytest.mark.parametrize(
    "text",
    [
        "922-8622",
        "9228622",
        "〒922-8622",
        "〒 922-8622",
        "９２２－８６２２",
        "922‐8622",
        "922−8622",
        "922ー8622",
        "922 8622",
        " 922-8622 ",
    ],
)
def test_postal_codes_are_accepted_however_they_are_typed(text: str) -> None:
    assert normalize_postal_code(text) == "9228622"


@pytest.mark.parametrize("text", ["", "922-862", "922-86222", "abc-defg", "922_8622", "〒"])
def test_anything_but_seven_digits_is_rejected_with_an_example_of_the_format(text: str) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        normalize_postal_code(text)
    assert exc.value.code == "postal_format"
    assert "922-8622" in str(exc.value)


def test_a_postal_code_is_formatted_with_the_hyphen_after_three_digits() -> None:
    assert format_postal_code("9228622") == "922-8622"
    assert format_postal_code("〒９２２８６２２") == "922-8622"


@given(seven_digits)
def test_normalising_a_formatted_code_gives_back_the_digits(code: str) -> None:
    assert normalize_postal_code(format_postal_code(code)) == code


@given(seven_digits)
def test_full_width_and_postal_mark_forms_normalise_to_the_digits(code: str) -> None:
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert normalize_postal_code(f"〒{full_width[:3]}－{full_width[3:]}") == code


@given(st.text())
def test_arbitrary_text_is_either_a_postal_code_or_a_postal_format_error(text: str) -> None:
    try:
        result = normalize_postal_code(text)
    except InvalidJapaneseInput as exc:
        assert exc.code == "postal_format"
    else:
        assert len(result) == 7
        assert result.isascii()
        assert result.isdigit()


def test_the_city_hall_office_code_resolves_to_its_address() -> None:
    address = lookup_address("922-8622")

    assert address == Address("9228622", "石川県", "加賀市", "大聖寺南町")
    assert address is not None
    assert address.full == "石川県加賀市大聖寺南町"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("650-0001", Address("6500001", "兵庫県", "神戸市中央区", "加納町")),
        ("100-0001", Address("1000001", "東京都", "千代田区", "千代田")),
    ],
)
def test_an_ordinary_postal_code_resolves_to_prefecture_city_and_town(
    code: str, expected: Address
) -> None:
    assert lookup_address(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # Japan Post's catch-all rows say 以下に掲載がない場合 instead of a town.
        ("922-0000", Address("9220000", "石川県", "加賀市", "")),
        # ... and a few rows carry an instruction about lot numbers.
        ("766-0002", Address("7660002", "香川県", "仲多度郡琴平町", "")),
    ],
)
def test_notes_in_the_town_column_are_not_returned_as_a_town(code: str, expected: Address) -> None:
    assert lookup_address(code) == expected


def test_a_code_shared_by_several_towns_leaves_the_town_blank() -> None:
    assert lookup_address("068-0546") == Address("0680546", "北海道", "夕張市", "")


def test_a_code_shared_by_two_prefectures_leaves_every_part_blank() -> None:
    address = lookup_address("498-0000")

    assert address == Address("4980000", "", "", "")
    assert address is not None
    assert address.full == ""


def test_an_unknown_postal_code_gives_none() -> None:
    assert lookup_address("000-0000") is None


def test_looking_up_a_malformed_code_raises_postal_format() -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        lookup_address("922-86")
    assert exc.value.code == "postal_format"


def test_lookup_works_from_a_thread_other_than_the_importing_one() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lookup_address, ["922-8622", "650-0001"]))

    assert [r.city if r else None for r in results] == ["加賀市", "神戸市中央区"]
