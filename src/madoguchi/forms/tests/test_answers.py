"""clean_answers: what a resident typed becomes a validated, normalised answer or a message."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from madoguchi.forms.answers import CleanResult, clean_answers, display_value
from madoguchi.forms.schema import FormSchema, NumberField
from madoguchi.testing.factories import SIMPLE_SCHEMA
from madoguchi.testing.markers import requires_japanese_catalog

SCHEMA = FormSchema.model_validate(
    {
        "title": {"ja": "総合テスト申請", "en": "Test application"},
        "steps": [
            {
                "key": "main",
                "title": "入力",
                "fields": [
                    {
                        "key": "name",
                        "type": "text",
                        "label": {"ja": "氏名", "en": "Name"},
                        "required": True,
                    },
                    {
                        "key": "member_no",
                        "type": "text",
                        "label": "会員番号",
                        "pattern": r"[0-9]{5}",
                    },
                    {"key": "note", "type": "long_text", "label": "備考", "max_length": 10},
                    {
                        "key": "name_kana",
                        "type": "kana",
                        "label": {"ja": "フリガナ", "en": "Reading"},
                    },
                    {"key": "name_hira", "type": "kana", "label": "ふりがな", "script": "hiragana"},
                    {
                        "key": "amount",
                        "type": "number",
                        "label": {"ja": "金額", "en": "Amount"},
                        "min": 1,
                        "max": 50000,
                        "unit": {"ja": "円", "en": " yen"},
                    },
                    {"key": "ratio", "type": "number", "label": "割合", "integer": False},
                    {"key": "people", "type": "number", "label": "人数"},
                    {
                        "key": "method",
                        "type": "choice",
                        "label": {"ja": "方法", "en": "Method"},
                        "required": True,
                        "options": [
                            {"value": "visit", "label": {"ja": "来所", "en": "Visit"}},
                            {"value": "online", "label": {"ja": "オンライン", "en": "Online"}},
                        ],
                    },
                    {
                        "key": "topics",
                        "type": "choice",
                        "widget": "checkbox",
                        "label": "関心のある分野",
                        "min_selected": 2,
                        "max_selected": 3,
                        "options": [
                            {"value": "health", "label": "健康"},
                            {"value": "childcare", "label": "子育て"},
                            {"value": "tax", "label": "税金"},
                            {"value": "waste", "label": "ごみ"},
                        ],
                    },
                    {"key": "birth_date", "type": "date", "label": "生年月日"},
                    {
                        "key": "visit_date",
                        "type": "date",
                        "label": "来所希望日",
                        "min_days_from_today": 1,
                        "max_days_from_today": 30,
                    },
                    {"key": "email", "type": "email", "label": "メールアドレス"},
                    {"key": "phone", "type": "phone", "label": "電話番号"},
                    {
                        "key": "postal_code",
                        "type": "postal_code",
                        "label": "郵便番号",
                        "address_field": "address",
                    },
                    {"key": "address", "type": "text", "label": "住所"},
                    {"key": "receipt_file", "type": "file", "label": "領収書"},
                    {
                        "key": "consent",
                        "type": "consent",
                        "label": {"ja": "同意事項", "en": "Terms"},
                    },
                    {
                        "key": "notice",
                        "type": "info",
                        "label": "注意",
                        "body": "本人確認書類が必要です。",
                    },
                ],
            }
        ],
    }
)
CONDITIONAL = FormSchema.model_validate(SIMPLE_SCHEMA)


def clean(key: str, value: Any, schema: FormSchema = SCHEMA) -> CleanResult:
    """Validate one field on its own, as the page holding only that field would."""
    return clean_answers(schema, {key: value}, fields=[schema.field(key)])


def cleaned(key: str, value: Any) -> Any:
    result = clean(key, value)
    assert result.ok, result.errors
    return result.answers[key]


def error(key: str, value: Any) -> str:
    result = clean(key, value)
    assert key in result.errors, f"{value!r} was accepted as {result.answers.get(key)!r}"
    return result.errors[key][0]


# --- required answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("name", "Enter “Name”."),
        ("method", "Choose an answer for “Method”."),
        ("consent", "Check “Terms” to continue."),
    ],
)
def test_a_missing_required_answer_names_the_question(key: str, message: str) -> None:
    with translation.override("en"):
        result = clean(key, "")

    assert result.errors == {key: [message]}


@pytest.mark.parametrize("blank", ["", None, [], False, {}])
def test_blank_values_count_as_missing(blank: Any) -> None:
    with translation.override("en"):
        result = clean("name", blank)

    assert result.errors == {"name": ["Enter “Name”."]}


@pytest.mark.parametrize(("key", "spaces"), [("name", "\u3000 "), ("name_kana", "\u3000")])
def test_an_answer_of_only_spaces_counts_as_missing(key: str, spaces: str) -> None:
    result = clean_answers(CONDITIONAL, {key: spaces}, fields=[CONDITIONAL.field(key)])

    assert result.answers == {}
    assert list(result.errors) == [key]


def test_an_optional_question_left_blank_gives_no_answer_and_no_error() -> None:
    result = clean("member_no", "")

    assert result.ok
    assert result.answers == {}


def test_questions_that_take_no_input_are_ignored() -> None:
    result = clean_answers(SCHEMA, {"notice": "anything"}, fields=[SCHEMA.field("notice")])

    assert result == CleanResult()


@requires_japanese_catalog
def test_messages_are_in_japanese_when_japanese_is_active() -> None:
    with translation.override("ja"):
        result = clean_answers(SCHEMA, {"amount": "たくさん"})

    assert "「氏名」" in result.errors["name"][0]
    assert "「方法」" in result.errors["method"][0]
    assert "Enter" not in result.errors["amount"][0]


def test_messages_are_in_english_when_english_is_active() -> None:
    with translation.override("en"):
        result = clean_answers(SCHEMA, {"amount": "lots", "postal_code": "922"})

    assert result.errors["name"] == ["Enter “Name”."]
    assert result.errors["amount"] == ["Enter a number using digits, e.g. 12000."]
    assert result.errors["postal_code"] == ["Enter a 7-digit postal code, e.g. 922-8622."]


# --- text ---------------------------------------------------------------------------------


def test_text_is_folded_to_half_width_digits_and_letters_with_single_spaces() -> None:
    assert cleaned("name", "　加賀　　太郎ＡＢＣ１２３ ") == "加賀 太郎ABC123"


def test_a_text_pattern_is_checked_after_width_folding() -> None:
    assert cleaned("member_no", "１２３４５") == "12345"

    with translation.override("en"):
        assert error("member_no", "1234") == "Check the format of “会員番号”."


def test_long_text_keeps_line_breaks_and_counts_its_length() -> None:
    assert cleaned("note", "一行目\r\n二行目") == "一行目\n二行目"

    with translation.override("en"):
        assert error("note", "あ" * 11) == "Enter at most 10 characters (now 11)."


def test_a_reading_typed_in_hiragana_is_stored_in_katakana() -> None:
    assert cleaned("name_kana", "かが　たろう") == "カガ\u3000タロウ"
    assert cleaned("name_kana", "ｶｶﾞ ﾀﾛｳ") == "カガ\u3000タロウ"


def test_a_hiragana_reading_converts_katakana() -> None:
    assert cleaned("name_hira", "カガ タロウ") == "かが\u3000たろう"


def test_a_reading_with_kanji_is_refused_with_an_example() -> None:
    with translation.override("en"):
        message = error("name_kana", "加賀 太郎")

    assert "katakana" in message
    assert "カガ タロウ" in message


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("12000", 12000), ("12,000", 12000), ("１２，０００", 12000), (" 50000 ", 50000), (7, 7)],
)
def test_a_number_may_be_typed_with_commas_and_full_width_digits(typed: Any, expected: int) -> None:
    assert cleaned("amount", typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Enter 1 or more."),
        ("50001", "Enter 50,000 or less."),
        ("12.5", "Enter a whole number without decimals."),
        ("1万", "Enter a number using digits, e.g. 12000."),
        ("NaN", "Enter a number using digits, e.g. 12000."),
        (True, "Enter a number."),
    ],
)
def test_a_number_outside_the_rules_is_refused_with_what_to_enter(typed: Any, message: str) -> None:
    with translation.override("en"):
        assert error("amount", typed) == message


def test_a_decimal_field_keeps_decimals() -> None:
    assert cleaned("ratio", "0.25") == 0.25


@pytest.mark.parametrize("typed", ["1e1000000", "-1e1000000", "9" * 5000])
def test_an_absurdly_large_number_is_refused_quickly_instead_of_tying_up_the_server(
    typed: str,
) -> None:
    with translation.override("en"):
        assert error("amount", typed) in {"Enter 50,000 or less.", "Enter 1 or more."}
        assert error("people", typed) == "Enter a number using digits, e.g. 12000."
        assert error("ratio", typed) == "Enter a number using digits, e.g. 12000."


# --- choices ------------------------------------------------------------------------------


def test_a_choice_must_be_one_of_the_options() -> None:
    assert cleaned("method", "online") == "online"

    with translation.override("en"):
        assert error("method", "fax") == "Choose from the options shown."
        assert error("method", ["visit"]) == "Choose from the options shown."


def test_checkboxes_keep_the_forms_order_without_duplicates() -> None:
    assert cleaned("topics", ["waste", "health", "waste"]) == ["health", "waste"]


@pytest.mark.parametrize(
    ("ticked", "message"),
    [
        (["health"], "Choose at least 2."),
        (["health", "childcare", "tax", "waste"], "Choose at most 3."),
        (["health", "pets"], "Choose from the options shown."),
    ],
)
def test_checkboxes_respect_the_minimum_and_maximum(ticked: list[str], message: str) -> None:
    with translation.override("en"):
        assert error("topics", ticked) == message


# --- dates --------------------------------------------------------------------------------


def parts(era: str, year: Any, month: Any, day: Any) -> dict[str, str]:
    return {"era": era, "year": str(year), "month": str(month), "day": str(day)}


@pytest.mark.parametrize(
    "typed",
    [
        parts("reiwa", 7, 4, 1),
        parts("reiwa", "７", "４", "１"),
        parts("seireki", 2025, 4, 1),
        parts("", 2025, 4, 1),
        "令和7年4月1日",
        "R7.4.1",
        "2025/4/1",
        "２０２５年４月１日",
    ],
)
def test_a_date_in_the_japanese_or_western_calendar_is_stored_as_iso(typed: Any) -> None:
    assert cleaned("birth_date", typed) == "2025-04-01"


def test_the_first_year_of_an_era_may_be_typed_as_gannen() -> None:
    assert cleaned("birth_date", parts("reiwa", "元", 5, 1)) == "2019-05-01"
    assert cleaned("birth_date", "令和元年5月1日") == "2019-05-01"


@pytest.mark.parametrize("typed", [parts("heisei", 31, 5, 1), "平成31年5月1日", "H31.5.1"])
def test_a_date_outside_its_era_is_refused_naming_the_era(typed: Any) -> None:
    with translation.override("en"):
        message = error("birth_date", typed)

    assert "Heisei" in message  # era names are translated (issue 13)
    assert "2019-04-30" in message


@pytest.mark.parametrize(
    "typed", [parts("seireki", 2025, 2, 30), parts("reiwa", 7, 2, 30), "R7.2.30"]
)
def test_a_day_that_does_not_exist_is_refused(typed: Any) -> None:
    with translation.override("en"):
        message = error("birth_date", typed)

    assert "does not exist" in message


def test_date_parts_that_are_not_numbers_are_refused() -> None:
    with translation.override("en"):
        assert (
            error("birth_date", parts("reiwa", "七", 4, 1))
            == "Enter the year, month and day as numbers."
        )


def test_a_date_is_kept_within_days_relative_to_today() -> None:
    today = timezone.localdate()

    assert cleaned("visit_date", (today + timedelta(days=1)).isoformat())
    assert cleaned("visit_date", (today + timedelta(days=30)).isoformat())
    with translation.override("en"):
        too_early = error("visit_date", today.isoformat())
        too_late = error("visit_date", (today + timedelta(days=31)).isoformat())

    assert too_early.startswith("Enter a date on or after")
    assert str((today + timedelta(days=1)).year) in too_early
    assert too_late.startswith("Enter a date on or before")


def test_a_date_before_the_meiji_era_is_accepted_and_shown_in_the_western_calendar() -> None:
    stored = cleaned("birth_date", "1850-06-01")

    with translation.override("ja"):
        shown = display_value(SCHEMA.field("birth_date"), stored)

    assert stored == "1850-06-01"
    assert "1850" in shown


# --- contact details ----------------------------------------------------------------------


def test_an_email_address_typed_in_full_width_is_folded() -> None:
    assert cleaned("email", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ") == "taro@example.jp"

    with translation.override("en"):
        assert error("email", "taro@") == "Enter an email address such as taro@example.jp."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("０７６１ー７２ー１１１１", "0761-72-1111"),
        ("0761721111", "0761-72-1111"),
        ("(0761)72-1111", "0761-72-1111"),
        ("+81 90 1234 5678", "090-1234-5678"),
    ],
)
def test_a_phone_number_is_stored_with_the_usual_hyphens(typed: str, expected: str) -> None:
    assert cleaned("phone", typed) == expected


def test_a_phone_number_that_cannot_be_japanese_is_refused() -> None:
    with translation.override("en"):
        assert "Japanese phone number" in error("phone", "12345")


@pytest.mark.parametrize("typed", ["9228622", "922-8622", "〒９２２－８６２２", "922ー8622"])
def test_a_postal_code_is_stored_as_three_and_four_digits(typed: str) -> None:
    assert cleaned("postal_code", typed) == "922-8622"


def test_a_postal_code_without_seven_digits_is_refused() -> None:
    with translation.override("en"):
        assert error("postal_code", "92286") == "Enter a 7-digit postal code, e.g. 922-8622."


# --- consent and files --------------------------------------------------------------------


def test_consent_must_be_given_explicitly() -> None:
    assert cleaned("consent", True) is True

    with translation.override("en"):
        assert error("consent", "yes") == "Check “Terms” to continue."
        assert error("consent", False) == "Check “Terms” to continue."


def test_an_attachment_must_come_through_the_upload() -> None:
    descriptor = {"id": 1, "name": "receipt.pdf", "size": 1024}

    assert cleaned("receipt_file", [descriptor]) == [descriptor]
    with translation.override("en"):
        assert error("receipt_file", "receipt.pdf") == "Attach the file through the form."


# --- conditions and locked values ---------------------------------------------------------


def test_an_answer_to_a_hidden_question_is_dropped() -> None:
    raw = {"method": "visit", "online_tool": "Zoom"}

    result = clean_answers(CONDITIONAL, raw, fields=CONDITIONAL.steps[1].fields)

    assert result.ok
    assert result.answers == {"method": "visit"}


def test_a_hidden_required_if_question_is_not_required() -> None:
    result = clean_answers(CONDITIONAL, {"method": "visit"}, fields=CONDITIONAL.steps[1].fields)

    assert "online_tool" not in result.errors


def test_a_shown_question_becomes_required_by_its_required_if_rule() -> None:
    with translation.override("en"):
        result = clean_answers(
            CONDITIONAL, {"method": "online"}, fields=CONDITIONAL.steps[1].fields
        )

    assert result.errors == {"online_tool": ["Enter “利用するツール”."]}


def test_conditions_see_answers_from_earlier_pages() -> None:
    step_two = [CONDITIONAL.field("online_tool")]

    result = clean_answers(
        CONDITIONAL, {"online_tool": "Zoom"}, fields=step_two, known={"method": "online"}
    )

    assert result.answers == {"online_tool": "Zoom"}


def test_locked_values_replace_what_was_sent() -> None:
    raw = {"name": "偽名 花子", "name_kana": "ギメイ ハナコ"}

    result = clean_answers(
        CONDITIONAL, raw, fields=CONDITIONAL.steps[0].fields, locked={"name": "加賀 太郎"}
    )

    assert result.answers == {"name": "加賀 太郎", "name_kana": "ギメイ\u3000ハナコ"}


# --- idempotence --------------------------------------------------------------------------

FOLDABLE_TEXT = "加賀太郎あいうカガタロウｶｶﾞﾀﾛｳABCａｂｃ123１２３ 　-ー・"
TYPED_VALUES = st.one_of(
    st.tuples(st.just("name"), st.text(alphabet=FOLDABLE_TEXT, max_size=30)),
    st.tuples(st.just("note"), st.text(alphabet="あいう abc\r\n\t ", max_size=10)),
    st.tuples(
        st.just("name_kana"), st.text(alphabet="かがたろうカガタロウｶｶﾞﾀﾛｳ 　ー・", max_size=20)
    ),
    st.tuples(
        st.just("name_hira"), st.text(alphabet="かがたろうカガタロウｶｶﾞﾀﾛｳ 　ー・", max_size=20)
    ),
    st.tuples(
        st.just("amount"),
        st.integers(-10, 60000) | st.from_regex(r"[0-9０-９]{1,2}[,，]?[0-9]{3}", fullmatch=True),
    ),
    st.tuples(st.just("ratio"), st.floats(allow_nan=False, allow_infinity=False, width=32)),
    st.tuples(
        st.just("topics"), st.lists(st.sampled_from(["health", "childcare", "tax", "waste"]))
    ),
    st.tuples(
        st.just("birth_date"),
        st.dates(date(1868, 10, 23), date(2100, 12, 31)).map(lambda d: d.strftime("%Y年%m月%d日")),
    ),
    st.tuples(
        st.just("phone"),
        st.sampled_from(["0761721111", "０９０１２３４５６７８", "+81-3-1234-5678"]),
    ),
    st.tuples(
        st.just("postal_code"),
        st.from_regex(r"〒?[0-9０-９]{3}[-ー]?[0-9０-９]{4}", fullmatch=True),
    ),
    st.tuples(st.just("email"), st.from_regex(r"[a-zａ-ｚ]{1,8}[@＠]example\.jp", fullmatch=True)),
)


@settings(max_examples=200)
@given(TYPED_VALUES)
@example(("note", "a\r\r\na"))  # a lone CR before a CRLF once survived the first cleaning
def test_cleaning_a_cleaned_answer_changes_nothing(case: tuple[str, Any]) -> None:
    key, typed = case
    first = clean(key, typed)
    assume(first.ok and key in first.answers)

    again = clean(key, first.answers[key])

    assert again.answers == first.answers
    assert again.ok


# --- display ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "japanese", "english"),
    [
        ("name", "加賀 太郎", "加賀 太郎", "加賀 太郎"),
        ("note", "一行目\n二行目", "一行目\n二行目", "一行目\n二行目"),
        ("name_kana", "カガ\u3000タロウ", "カガ\u3000タロウ", "カガ\u3000タロウ"),
        ("email", "taro@example.jp", "taro@example.jp", "taro@example.jp"),
        ("method", "visit", "来所", "Visit"),
        ("topics", ["health", "waste"], "健康、ごみ", "健康、ごみ"),
        ("amount", 12000, "12,000円", "12,000 yen"),
        ("ratio", 0.25, "0.25", "0.25"),
        ("birth_date", "2025-04-01", "令和7年4月1日（2025年）", "1 April 2025 (Reiwa 7)"),
        ("birth_date", "2019-05-01", "令和元年5月1日（2019年）", "1 May 2019 (Reiwa 1)"),
        ("phone", "0761-72-1111", "0761-72-1111", "0761-72-1111"),
        ("postal_code", "922-8622", "922-8622", "922-8622"),
        ("receipt_file", [{"name": "a.pdf"}, {"name": "b.png"}], "a.pdf、b.png", "a.pdf、b.png"),
        ("member_no", None, "", ""),
        ("topics", [], "", ""),
    ],
)
def test_an_answer_is_displayed_in_the_active_language(
    key: str, value: Any, japanese: str, english: str
) -> None:
    field = SCHEMA.field(key)

    with translation.override("ja"):
        shown_in_japanese = display_value(field, value)
    with translation.override("en"):
        shown_in_english = display_value(field, value)

    assert (shown_in_japanese, shown_in_english) == (japanese, english)


def test_a_number_that_names_a_year_is_shown_without_a_thousands_separator() -> None:
    year = NumberField.model_validate(
        {"key": "fiscal_year", "type": "number", "label": "年度", "unit": "年度", "grouping": False}
    )

    assert display_value(year, 2025) == "2025年度"
    assert display_value(year.model_copy(update={"grouping": True}), 2025) == "2,025年度"


def test_an_unknown_choice_value_is_displayed_as_stored() -> None:
    assert display_value(SCHEMA.field("method"), "fax") == "fax"


def test_consent_is_displayed_as_agreed() -> None:
    with translation.override("en"):
        assert display_value(SCHEMA.field("consent"), True) == "Agreed"


@requires_japanese_catalog
def test_consent_is_displayed_as_agreed_in_japanese() -> None:
    with translation.override("ja"):
        shown = display_value(SCHEMA.field("consent"), True)

    assert shown not in {"", "Agreed"}
