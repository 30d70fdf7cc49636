"""The identity levels of a submission and their labels, in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation

from madoguchi.submissions import identity_levels
from madoguchi.submissions.identity_levels import IdentityLevel

JAPANESE = {
    "none": "なし（自己申告）",
    "account": "本人確認済み（アカウント）",
    "mynumber": "本人確認済み（マイナンバーカード）",
    "counter_visual": "窓口・目視確認（本人確認書類）",
    "counter_card": "窓口・カード読取（券面事項入力補助AP＋利用者証明）",
}
ENGLISH = {
    "none": "None (self-declared)",
    "account": "Verified (account)",
    "mynumber": "Verified (My Number Card)",
    "counter_visual": "At the counter: identity documents checked by eye",
    "counter_card": ("At the counter: My Number Card read (card info AP + JPKI authentication)"),
}


@pytest.mark.parametrize(("language", "expected"), [("ja", JAPANESE), ("en", ENGLISH)])
def test_every_level_has_its_label_in_each_language(
    language: str, expected: dict[str, str]
) -> None:
    with translation.override(language):
        labels = {code: identity_levels.label(code) for code in expected}
        choices = dict(identity_levels.choices())

    assert labels == expected
    assert choices == expected


def test_the_counter_levels_are_the_codes_the_counter_app_records() -> None:
    from madoguchi.counter.models import Assurance

    assert {Assurance.VISUAL.value, Assurance.CARD.value} <= set(IdentityLevel.values)


def test_an_unknown_code_is_shown_as_it_is_never_as_no_verification() -> None:
    with translation.override("ja"):
        assert identity_levels.label("future_level") == "future_level"
