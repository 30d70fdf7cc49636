from __future__ import annotations

import unicodedata
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.text import check_text, check_value, forbidden_character

# Every code point, surrogates included (st.text() leaves them out by default).
any_text = st.text(alphabet=st.characters(codec=None, categories=None, exclude_categories=()))


def _storable(character: str) -> bool:
    return character in "\t\n\r" or unicodedata.category(character) not in ("Cc", "Cs")


@pytest.mark.parametrize(
    ("text", "code"),
    [("a\x00b", "0000"), ("\x1b[31m", "001B"), ("x\x7f", "007F"), ("\x85", "0085"),
     ("\ud800", "D800"), ("名前\udfff", "DFFF"), ("\x0c", "000C")],
)  # fmt: skip
def test_control_characters_and_lone_surrogates_are_refused_naming_the_character(
    text: str, code: str
) -> None:
    with pytest.raises(InvalidJapaneseInput) as refused:
        check_text(text)

    assert refused.value.code == "text_forbidden_character"
    assert f"U+{code}" in str(refused.value)
    assert "Delete it" in str(refused.value)


@pytest.mark.parametrize("text", ["加賀 太郎", "line\r\nbreak\tand tab", "\u2028", "🏯", ""])
def test_tabs_line_breaks_and_all_other_characters_are_kept(text: str) -> None:
    assert check_text(text) == text


def test_strings_anywhere_in_a_json_value_are_checked_keys_included() -> None:
    with pytest.raises(InvalidJapaneseInput):
        check_value({"answers": [{"ok": "fine"}, {"bad\x00key": 1}]})
    with pytest.raises(InvalidJapaneseInput):
        check_value([1, None, True, ["deep", ["\ud800"]]])

    check_value({"a": [1, 2.5, None, {"b": "改行\nOK"}]})


def test_a_value_nested_a_thousand_levels_deep_is_checked_without_exhausting_the_stack() -> None:
    value: Any = "\x00"
    for _ in range(5000):
        value = [value]

    with pytest.raises(InvalidJapaneseInput):
        check_value(value)


@given(any_text)
@example("\ud800")
@example("a\x00")
def test_text_is_refused_exactly_when_it_holds_a_character_that_cannot_be_stored(
    text: str,
) -> None:
    storable = all(_storable(c) for c in text)

    try:
        check_text(text)
    except InvalidJapaneseInput:
        assert not storable
        assert not _storable(forbidden_character(text) or "a")
    else:
        assert storable
        # What passes can be written as UTF-8 and canonical JSON, and has no NUL for PostgreSQL.
        text.encode("utf-8")
        rfc8785.dumps({"text": text})
        assert "\x00" not in text
