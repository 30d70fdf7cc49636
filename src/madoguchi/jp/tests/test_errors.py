from __future__ import annotations

import pickle

from django.utils.translation import gettext_lazy as _

from madoguchi.jp.errors import InvalidJapaneseInput


def test_the_error_is_a_value_error_carrying_a_machine_code() -> None:
    err = InvalidJapaneseInput("postal_format", _("Enter a 7-digit postal code, e.g. 922-8622."))

    assert isinstance(err, ValueError)
    assert err.code == "postal_format"


def test_str_of_the_error_is_the_user_facing_message() -> None:
    err = InvalidJapaneseInput("postal_format", _("Enter a 7-digit postal code, e.g. 922-8622."))

    assert str(err) == "Enter a 7-digit postal code, e.g. 922-8622."
    assert str(err.message) == str(err)


def test_params_are_interpolated_into_the_message_and_kept_for_callers() -> None:
    err = InvalidJapaneseInput(
        "lg_code_check_digit",
        _("The check digit of %(code)s is wrong: the last digit should be %(expected)s."),
        params={"code": "172066", "expected": 5},
    )

    assert str(err) == "The check digit of 172066 is wrong: the last digit should be 5."
    assert err.params == {"code": "172066", "expected": 5}


def test_a_message_without_params_may_contain_a_literal_percent_sign() -> None:
    err = InvalidJapaneseInput("x", _("100% sure"))

    assert str(err) == "100% sure"


def test_the_error_survives_pickling_with_code_params_and_message() -> None:
    err = InvalidJapaneseInput("lg_code_check_digit", _("%(code)s"), params={"code": "172066"})

    clone = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes, not untrusted data

    assert isinstance(clone, InvalidJapaneseInput)
    assert clone.code == err.code
    assert clone.params == err.params
    assert str(clone) == "172066"


def test_repr_shows_the_code_for_logs() -> None:
    err = InvalidJapaneseInput("date_format", _("Enter a date."))

    assert "date_format" in repr(err)
