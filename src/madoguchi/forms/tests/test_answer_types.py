"""Hostile answers: wrong JSON types, huge numbers, control characters and broken text.

The API hands clean_answers whatever JSON a client sends; each field type takes its own
shape (strings where strings, a list of strings for checkboxes, an object or a string for
dates) and anything else is a message on that question, never an exception.
"""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from madoguchi.forms.answers import clean_answers
from madoguchi.forms.schema import FormSchema
from madoguchi.forms.tests.test_answers import SCHEMA, clean, cleaned, error

HUGE = "99999999999"


def english_error(key: str, value: Any) -> str:
    with translation.override("en"):
        return error(key, value)


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        {"year": HUGE, "month": "1", "day": "1"},
        {"era": "seireki", "year": "2025", "month": HUGE, "day": "1"},
        {"era": "seireki", "year": "2025", "month": "1", "day": HUGE},
        {"era": "reiwa", "year": HUGE, "month": "1", "day": "1"},
        {"era": "reiwa", "year": "7", "month": HUGE * 3, "day": "1"},
        {"year": "-" + HUGE, "month": "1", "day": "1"},
        {"year": 10**30, "month": 1, "day": 1},
    ],
)
def test_a_date_with_a_year_month_or_day_beyond_any_calendar_is_refused(typed: Any) -> None:
    assert "does not exist" in english_error("birth_date", typed)


@pytest.mark.parametrize(
    "typed",
    [
        1,
        1.5,
        True,
        ["2025", "4", "1"],
        {"year": True, "month": "4", "day": "1"},
        {"year": ["2025"], "month": "4", "day": "1"},
        {"year": {"y": 1}, "month": "4", "day": "1"},
        {"year": 2025.5, "month": "4", "day": "1"},
        {"era": 5, "year": "7", "month": "4", "day": "1"},
        {"era": ["reiwa"], "year": "7", "month": "4", "day": "1"},
        {"year": "2025"},
        {"year": "1_000", "month": "4", "day": "1"},
    ],
)
def test_a_date_of_the_wrong_shape_is_refused_with_what_to_enter(typed: Any) -> None:
    assert english_error("birth_date", typed) in (
        "Enter the year, month and day as numbers.",
        "Use one of the eras Meiji, Taisho, Showa, Heisei or Reiwa.",
    )


def test_date_parts_may_be_json_integers() -> None:
    assert cleaned("birth_date", {"era": "reiwa", "year": 7, "month": 4, "day": 1}) == "2025-04-01"


# --- wrong types --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [True, 1, 1.5, ["health"], {"sofa": 1}])
def test_a_single_choice_takes_only_an_option_value(typed: Any) -> None:
    assert english_error("method", typed) == "Choose from the options shown."


@pytest.mark.parametrize(
    "typed", [True, 1, 1.5, "health", {"health": 1, "tax": 1}, [1, 2], [["health"]], [True]]
)
def test_checkboxes_take_only_a_list_of_option_values(typed: Any) -> None:
    assert english_error("topics", typed) == "Choose from the options shown."


@pytest.mark.parametrize(
    "key", ["name", "note", "name_kana", "email", "phone", "postal_code", "address"]
)
@pytest.mark.parametrize("typed", [True, 1, 1.5, ["text"], {"text": "x"}])
def test_text_questions_take_only_strings(key: str, typed: Any) -> None:
    assert english_error(key, typed) == "Enter text."


@pytest.mark.parametrize("typed", [True, ["1"], {"n": 1}])
def test_a_number_takes_a_json_number_or_digits_only(typed: Any) -> None:
    assert english_error("amount", typed) == "Enter a number."


@pytest.mark.parametrize("typed", ["on", 1, "true", {"yes": True}])
def test_consent_takes_only_true(typed: Any) -> None:
    assert english_error("consent", typed) == "Check “Terms” to continue."


# --- characters that cannot be stored ------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["name", "note", "name_kana", "email", "phone", "postal_code", "birth_date"]
)
@pytest.mark.parametrize("bad", ["\x00", "\ud800", "\x1b", "\x85", "\x7f"])
def test_a_control_character_or_lone_surrogate_is_refused_in_every_text_answer(
    key: str, bad: str
) -> None:
    message = english_error(key, f"東京{bad}1")

    assert "cannot be used" in message
    assert f"U+{ord(bad):04X}" in message


def test_a_control_character_inside_date_parts_is_refused() -> None:
    assert "cannot be used" in english_error(
        "birth_date", {"era": "reiwa\x00", "year": "7", "month": "4", "day": "1"}
    )


def test_long_text_keeps_tabs_and_line_breaks_and_single_line_text_folds_them() -> None:
    assert cleaned("note", "a\tb\r\nc") == "a\tb\nc"
    assert cleaned("name", "加賀\t太郎\n") == "加賀 太郎"


# --- properties ---------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**15, max_value=10**40)
    | st.floats()
    | st.text(alphabet=st.characters(codec=None, categories=None, exclude_categories=()))
    | st.sampled_from(["", "元", "7", "２０２５", HUGE, "reiwa", "seireki", "health", "1e999"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["era", "year", "month", "day", "x"]), inner, max_size=5)
    ),
    max_leaves=12,
)
INPUT_KEYS = sorted(f.key for f in SCHEMA.fields() if f.collects_input and f.type != "file")


@settings(max_examples=400)
@given(st.sampled_from(INPUT_KEYS), json_values)
@example("birth_date", {"year": HUGE, "month": "1", "day": "1"})
@example("topics", True)
@example("name", "\ud800")
def test_any_json_answer_is_cleaned_or_refused_with_a_message_never_an_exception(
    key: str, typed: Any
) -> None:
    result = clean(key, typed)

    if result.ok:
        # What is accepted can be signed (canonical JSON) and stored by both databases.
        rfc8785.dumps(result.answers)
        assert "\x00" not in repr(result.answers)
    else:
        assert all(isinstance(m, str) and m for m in result.errors[key])


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.sampled_from(["era", "year", "month", "day"]),
        st.integers() | st.text(alphabet="0123456789元-_ １２", max_size=25),
    )
)
def test_any_date_parts_give_an_iso_date_or_a_message(parts: dict[str, Any]) -> None:
    result = clean("birth_date", parts)

    assert result.ok or result.errors["birth_date"]


@given(st.lists(st.sampled_from(["health", "childcare", "tax", "waste"]) | json_scalars))
def test_checkbox_answers_are_option_values_or_refused(typed: list[Any]) -> None:
    result = clean_answers(SCHEMA, {"topics": typed}, fields=[SCHEMA.field("topics")])

    if "topics" in result.answers:
        assert set(result.answers["topics"]) <= {"health", "childcare", "tax", "waste"}
        assert all(isinstance(v, str) for v in typed)


def test_the_schema_under_test_covers_every_field_type() -> None:
    types = {f.type for f in SCHEMA.fields()}

    assert types >= {"text", "long_text", "kana", "number", "choice", "date", "email"}
    assert isinstance(SCHEMA, FormSchema)


def test_a_huge_year_posted_by_the_html_form_is_refused_like_through_the_api() -> None:
    from django.http import QueryDict

    from madoguchi.forms.answers import raw_from_post

    field = SCHEMA.field("birth_date")
    posted = QueryDict(mutable=True)
    posted.update({"birth_date__year": HUGE, "birth_date__month": "1", "birth_date__day": "1"})

    with translation.override("en"):
        result = clean_answers(SCHEMA, {"birth_date": raw_from_post(field, posted)}, fields=[field])

    assert result.errors == {"birth_date": ["That date does not exist. Check the month and day."]}
