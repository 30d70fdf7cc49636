from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.wareki import (
    ERAS,
    WarekiDate,
    format_wareki,
    from_wareki,
    get_era,
    parse_date,
    to_wareki,
)

MEIJI_START = date(1868, 10, 23)
supported_dates = st.dates(min_value=MEIJI_START, max_value=date(2100, 12, 31))


def test_eras_are_listed_oldest_first_with_their_exact_first_days() -> None:
    assert [(e.key, e.name, e.letter, e.english, e.start) for e in ERAS] == [
        ("meiji", "明治", "M", "Meiji", date(1868, 10, 23)),
        ("taisho", "大正", "T", "Taisho", date(1912, 7, 30)),
        ("showa", "昭和", "S", "Showa", date(1926, 12, 25)),
        ("heisei", "平成", "H", "Heisei", date(1989, 1, 8)),
        ("reiwa", "令和", "R", "Reiwa", date(2019, 5, 1)),
    ]


@pytest.mark.parametrize("name", ["reiwa", "令和", "R", "r", "Reiwa", " REIWA "])
def test_an_era_can_be_found_by_key_kanji_letter_or_english_name(name: str) -> None:
    assert get_era(name).key == "reiwa"


def test_an_unknown_era_name_is_rejected_with_its_own_code() -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        get_era("慶応")
    assert exc.value.code == "wareki_unknown_era"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 4, 1), ("reiwa", 7, 4, 1)),
        (date(2019, 5, 1), ("reiwa", 1, 5, 1)),
        (date(2019, 4, 30), ("heisei", 31, 4, 30)),
        (date(1989, 1, 8), ("heisei", 1, 1, 8)),
        (date(1989, 1, 7), ("showa", 64, 1, 7)),
        (date(1926, 12, 25), ("showa", 1, 12, 25)),
        (date(1926, 12, 24), ("taisho", 15, 12, 24)),
        (date(1912, 7, 30), ("taisho", 1, 7, 30)),
        (date(1912, 7, 29), ("meiji", 45, 7, 29)),
        (date(1868, 10, 23), ("meiji", 1, 10, 23)),
    ],
)
def test_a_date_is_expressed_in_the_era_in_force_on_that_day(
    d: date, expected: tuple[str, int, int, int]
) -> None:
    w = to_wareki(d)
    assert (w.era.key, w.year, w.month, w.day) == expected


def test_dates_before_meiji_cannot_be_written_in_wareki() -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        to_wareki(date(1868, 10, 22))
    assert exc.value.code == "wareki_before_meiji"
    assert "1868-10-23" in str(exc.value)


def test_the_last_day_of_heisei_is_accepted() -> None:
    assert from_wareki("heisei", 31, 4, 30) == date(2019, 4, 30)


@pytest.mark.parametrize(
    ("era", "year", "month", "day"),
    [
        ("heisei", 31, 5, 1),
        ("reiwa", 1, 4, 30),
        ("showa", 64, 1, 8),
        ("meiji", 1, 10, 22),
        ("heisei", 0, 12, 31),
        ("taisho", 16, 1, 1),
    ],
)
def test_a_date_outside_its_era_is_rejected_and_the_message_names_the_era(
    era: str, year: int, month: int, day: int
) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        from_wareki(era, year, month, day)
    assert exc.value.code == "wareki_out_of_era"
    with translation.override("en"):
        assert get_era(era).english in str(exc.value)
    with translation.override("ja"):
        assert get_era(era).name in str(exc.value)


def test_a_day_that_does_not_exist_is_rejected_as_invalid_not_out_of_era() -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        from_wareki("reiwa", 7, 2, 30)
    assert exc.value.code == "date_invalid"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_kanji_style_writes_year_one_as_gannen(d: date, expected: str) -> None:
    assert format_wareki(d) == expected


def test_english_style_gives_the_western_date_with_the_era_year() -> None:
    assert format_wareki(date(2025, 4, 1), style="english") == "1 April 2025 (Reiwa 7)"
    assert format_wareki(date(2019, 5, 1), style="english") == "1 May 2019 (Reiwa 1)"


@pytest.mark.parametrize(
    "text",
    [
        "令和7年4月1日",
        "R7.4.1",
        "R07/04/01",
        "r7-4-1",
        "2025-04-01",
        "2025/4/1",
        "2025年4月1日",
        "20250401",
        "２０２５年４月１日",
        "Ｒ７．４．１",
        "令和 7 年 4 月 1 日",
        "　2025－04－01　",
        "2025ー04ー01",
        "㋿7年4月1日",
    ],
)
def test_the_usual_ways_of_writing_a_date_are_all_understood(text: str) -> None:
    assert parse_date(text) == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("S64.1.7", date(1989, 1, 7)),
        ("m1.10.23", date(1868, 10, 23)),
    ],
)
def test_era_boundaries_parse_to_the_right_day(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "date_format"),
        ("hello", "date_format"),
        ("2025-04", "date_format"),
        ("慶応3年1月1日", "date_format"),
        ("X7.4.1", "date_format"),
        ("2025-04-01T00:00", "date_format"),
        ("2025年2月30日", "date_invalid"),
        ("20250230", "date_invalid"),
        ("R7.13.1", "date_invalid"),
        ("0000-01-01", "date_invalid"),
        ("平成31年5月1日", "wareki_out_of_era"),
        ("令和1年4月30日", "wareki_out_of_era"),
        ("R0.5.1", "wareki_out_of_era"),
    ],
)
def test_unreadable_impossible_and_out_of_era_dates_have_distinct_codes(
    text: str, code: str
) -> None:
    with pytest.raises(InvalidJapaneseInput) as exc:
        parse_date(text)
    assert exc.value.code == code
    assert str(exc.value)


@given(supported_dates)
@example(date(1868, 10, 23))
@example(date(1912, 7, 29))
@example(date(1912, 7, 30))
@example(date(1926, 12, 24))
@example(date(1926, 12, 25))
@example(date(1989, 1, 7))
@example(date(1989, 1, 8))
@example(date(2019, 4, 30))
@example(date(2019, 5, 1))
def test_a_formatted_wareki_date_parses_back_to_the_same_day(d: date) -> None:
    assert parse_date(format_wareki(d)) == d


@given(supported_dates)
def test_wareki_fields_convert_back_to_the_same_day(d: date) -> None:
    w = to_wareki(d)
    assert isinstance(w, WarekiDate)
    assert from_wareki(w.era.key, w.year, w.month, w.day) == d
    assert from_wareki(w.era.name, w.year, w.month, w.day) == d


@given(st.dates())
def test_any_iso_date_parses_to_itself(d: date) -> None:
    assert parse_date(d.isoformat()) == d


@given(supported_dates)
def test_abbreviated_letter_form_parses_back_to_the_same_day(d: date) -> None:
    w = to_wareki(d)
    assert parse_date(f"{w.era.letter}{w.year:02d}.{w.month:02d}.{w.day:02d}") == d


@given(st.text())
@example("令和999999999年1月1日")
@example("9" * 500)
@example("２０２５年²月１日")
def test_arbitrary_text_is_either_a_date_or_a_documented_rejection(text: str) -> None:
    try:
        result = parse_date(text)
    except InvalidJapaneseInput as exc:
        assert exc.code in {"date_format", "date_invalid", "wareki_out_of_era"}
    else:
        assert isinstance(result, date)
