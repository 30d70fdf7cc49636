"""A refused guide definition says what to fix in the staff member's language (Japanese or
English), keeping the location path; our own validators' problems and pydantic's common
errors alike, and nothing the schema says is ever lost."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.guide import services
from madoguchi.guide.schema_errors import OWN_MESSAGES

from .test_rules import DEFINITION


def _broken(change: Any) -> dict[str, Any]:
    definition = copy.deepcopy(DEFINITION)
    change(definition)
    return definition


def _problems(data: Any, *, language: str) -> list[str]:
    with pytest.raises(services.InvalidGuide) as refused:
        services.parse_definition(data)
    with override(language):
        return refused.value.translated()


OWN_PROBLEMS: list[tuple[str, Any, str, str]] = [
    (
        "yes_no_options",
        lambda d: d["questions"][1].update(options=[{"value": "a", "label": "A"}]),
        "questions.1: 質問 insurance: はい・いいえの質問には選択肢",
        "questions.1: Question insurance: a yes/no question has no options",
    ),
    (
        "too_few_options",
        lambda d: d["questions"][0].update(options=[{"value": "a", "label": "A"}]),
        "questions.0: 質問 move_type: 選択式の質問には選択肢（options）が2つ以上必要です。",
        "questions.0: Question move_type: a choice needs at least two options.",
    ),
    (
        "repeated_option",
        lambda d: d["questions"][2]["options"][1].update(value="moped"),
        "questions.2: 質問 items: 同じ値（value）の選択肢が2つあります。",
        "questions.2: Question items: two options have the same value",
    ),
    (
        "form_or_external",
        lambda d: d["procedures"][0].pop("url"),
        "procedures.0: 手続き tennyu: フォーム（form にスラッグ）を指定するか",
        "procedures.0: Procedure tennyu: give a form (its slug), or for a procedure outside",
    ),
    (
        "form_and_external",
        lambda d: d["procedures"][1].update(channel="mail"),
        "procedures.1: 手続き kokuho: フォームの手続きの方法はフォームの設定で決まります。",
        "procedures.1: Procedure kokuho: a form's channels come from the form",
    ),
    (
        "repeated_question",
        lambda d: d["questions"].append(copy.deepcopy(d["questions"][0])),
        "questions: 質問 move_type が2回あります。",
        "questions: Question move_type appears twice",
    ),
    (
        "condition_not_earlier",
        lambda d: d["questions"][1].update(visible_if={"var": "items"}),
        "questions: 質問 insurance: 表示の条件（visible_if）が items を参照していますが",
        "questions: Question insurance: its condition reads items, which is not an earlier",
    ),
    (
        "repeated_procedure",
        lambda d: d["procedures"][1].update(key="tennyu"),
        "procedures: 手続き tennyu が2回あります。",
        "procedures: Procedure tennyu appears twice",
    ),
    (
        "rule_not_a_question",
        lambda d: d["procedures"][0].update(applies_if={"var": "age"}),
        "procedures: 手続き tennyu: 条件（applies_if）が age を参照していますが、"
        "その質問はありません。",
        "procedures: Procedure tennyu: its rule reads age, which is not a question.",
    ),
]


def test_every_problem_our_validators_raise_has_a_translation() -> None:
    assert {code for code, *_rest in OWN_PROBLEMS} == set(OWN_MESSAGES)


@pytest.mark.parametrize(
    ("code", "change", "japanese", "english"), OWN_PROBLEMS, ids=[p[0] for p in OWN_PROBLEMS]
)
def test_our_validators_problems_are_said_in_japanese_and_in_english(
    code: str, change: Any, japanese: str, english: str
) -> None:
    broken = _broken(change)

    (in_japanese,) = _problems(broken, language="ja")
    (in_english,) = _problems(broken, language="en")

    assert in_japanese.startswith(japanese), in_japanese
    assert in_english.startswith(english), in_english


@pytest.mark.parametrize(
    ("change", "japanese", "english"),
    [
        (
            lambda d: d["title"].pop("ja"),
            "title.ja: 必須の項目です。書いてください。",
            "title.ja: This is required.",
        ),
        (
            lambda d: d.update(colour="red"),
            "colour: ガイドにはない項目です。削除するか、つづりを確認してください。",
            "colour: This item is not part of a guide; remove it or check its spelling.",
        ),
        (
            lambda d: d["title"].update(ja=5),
            "title.ja: 文字列で書いてください。",
            "title.ja: Write text here.",
        ),
        (
            lambda d: d["questions"][0].update(kind="maybe"),
            "questions.0.kind: 次のいずれかにしてください: 'single', 'multiple', 'yes_no'",
            "questions.0.kind: Use one of: 'single', 'multiple', 'yes_no'.",
        ),
        (
            lambda d: d["procedures"][0].update(url="http://city.example.jp/"),
            "procedures.0.url: https:// で始まり、空白を含まないリンクを書いてください。",
            "procedures.0.url: Give a link that starts with https:// and has no spaces.",
        ),
        (
            lambda d: d["questions"][0].update(key="Move"),
            "questions.0.key: 半角英小文字・数字・_ を使い、英字で始めてください。",
            "questions.0.key: Use lower-case letters, digits and _, starting with a letter.",
        ),
        (
            lambda d: d.update(questions=[]),
            "questions: 少なくとも 1 個必要です。",
            "questions: This needs at least 1 item(s).",
        ),
        (
            lambda d: d["procedures"][0].update(bring="本人確認書類"),
            "procedures.0.bring: リスト（1項目ずつ「- 」で始まる行）で書いてください。",
            "procedures.0.bring: Write a list here (one “- ” line per item).",
        ),
        (
            lambda d: d.update(intro=5),
            "intro: 文字列を書くか、この名前の下に ja: と en: の行を書いてください。",
            "intro: Write the text, or ja: and en: lines under this name.",
        ),
    ],
)
def test_pydantic_errors_are_said_by_their_type_keeping_the_path(
    change: Any, japanese: str, english: str
) -> None:
    broken = _broken(change)

    assert _problems(broken, language="ja") == [japanese]
    assert _problems(broken, language="en") == [english]


def test_a_yaml_syntax_error_names_its_line_in_either_language() -> None:
    with pytest.raises(services.InvalidGuide) as refused:
        services.parse_yaml("title: 引越し\nquestions: [\n")

    with override("ja"):
        (japanese,) = refused.value.translated()
    with override("en"):
        (english,) = refused.value.translated()
    assert japanese.startswith("3 行目: YAML として読み取れません（")
    assert english.startswith("line 3: the YAML cannot be read here (")
    assert refused.value.lines[0].startswith("line 3")


def test_a_control_character_is_named_in_the_language_of_the_page() -> None:
    broken = _broken(lambda d: d["title"].update(ja="引越し\x07"))

    assert _problems(broken, language="ja")[0].startswith("definition: 使用できない文字（U+0007）")
    assert _problems(broken, language="en")[0].startswith(
        "definition: The text contains a character that cannot be used (U+0007)"
    )


def test_a_definition_that_is_no_mapping_says_what_to_write() -> None:
    assert _problems(["title"], language="ja") == [
        "definition: title・questions・procedures を持つマッピングで書いてください。"
    ]


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(
                st.sampled_from(["title", "questions", "procedures", "key", "kind", "ja", "x"]),
                c,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_refusal_has_a_japanese_line_for_each_problem_with_its_place(data: Any) -> None:
    try:
        services.parse_definition(data)
    except services.InvalidGuide as refused:
        with override("ja"):
            japanese = refused.translated()
        assert len(japanese) == len(refused.lines) >= 1
        assert all(": " in text and text.split(": ", 1)[1] for text in japanese)
