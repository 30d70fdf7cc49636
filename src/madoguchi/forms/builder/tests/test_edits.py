"""Pure schema edits of the builder: structure, rules, guard rails, summaries, diff."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils.translation import override
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.forms.builder import edits
from madoguchi.forms.builder import rules as rule_edits
from madoguchi.forms.builder.diff import diff as plain_diff
from madoguchi.forms.builder.problems import publish_problems
from madoguchi.forms.builder.rules import Rule
from madoguchi.forms.schema import FormSchema
from madoguchi.testing.factories import SIMPLE_SCHEMA


def simple() -> dict[str, Any]:
    return copy.deepcopy(SIMPLE_SCHEMA)


def test_a_new_definition_with_one_question_publishes() -> None:
    definition = edits.new_definition("子育て相談申し込み")
    definition, key = edits.add_field(
        definition, step_key="step_1", field_type="text", label_ja="氏名"
    )

    assert publish_problems(definition) == []
    assert FormSchema.model_validate(definition).field(key).label.ja == "氏名"


def test_edits_never_mutate_their_input() -> None:
    original = simple()
    snapshot = copy.deepcopy(original)

    edits.add_step(original, title_ja="追加")
    edits.remove_field(original, "email")
    edits.nudge_field(original, "method", direction=-1)

    assert original == snapshot


def test_added_keys_are_unique_per_type() -> None:
    definition, first = edits.add_field(simple(), step_key="details", field_type="phone")
    definition, second = edits.add_field(definition, step_key="details", field_type="phone")

    assert (first, second) == ("phone_1", "phone_2")


def test_moving_a_field_up_past_the_top_of_a_page_puts_it_at_the_end_of_the_previous_one() -> None:
    moved = edits.nudge_field(simple(), "method", direction=-1)

    assert [f["key"] for f in moved["steps"][0]["fields"]][-1] == "method"
    assert moved["steps"][1]["fields"][0]["key"] == "online_tool"


def test_moving_the_first_field_of_the_form_up_changes_nothing() -> None:
    assert edits.nudge_field(simple(), "name", direction=-1) == simple()


def test_drag_and_drop_moves_a_field_to_a_position_in_another_step() -> None:
    moved = edits.move_field(simple(), "count", step_key="applicant", to=1)

    assert [f["key"] for f in moved["steps"][0]["fields"]] == [
        "name",
        "count",
        "name_kana",
        "email",
    ]


def test_renaming_a_key_renames_every_rule_that_reads_it() -> None:
    definition = simple()
    field = edits.get_field(definition, "method") | {"key": "how"}

    renamed = edits.replace_field(definition, "method", field)

    tool = edits.get_field(renamed, "online_tool")
    assert tool["visible_if"] == {"==": [{"var": "how"}, "online"]}
    assert publish_problems(renamed) == []


def test_a_rename_onto_an_existing_key_is_refused() -> None:
    definition = simple()
    with pytest.raises(edits.BuilderError):
        edits.replace_field(
            definition, "method", edits.get_field(definition, "method") | {"key": "name"}
        )


@pytest.mark.parametrize(
    "rule",
    [
        Rule("method", "eq", "online"),
        Rule("method", "ne", "visit"),
        Rule("items", "contains", "bike"),
        Rule("items", "not_contains", "sofa"),
        Rule("tag", "answered"),
        Rule("tag", "empty"),
        Rule("count", "ge", 3),
        Rule("count", "lt", 2.5),
    ],
)
def test_every_rule_reads_back_from_the_json_logic_it_writes(rule: Rule) -> None:
    logic = rule_edits.rules_to_logic([rule])

    assert rule_edits.rules_from_logic(logic) == ("all", [rule])


def test_several_rules_join_with_and_or_or() -> None:
    rules = [Rule("method", "eq", "online"), Rule("count", "gt", 2)]

    assert rule_edits.rules_to_logic(rules, match="any") == {
        "or": [{"==": [{"var": "method"}, "online"]}, {">": [{"var": "count"}, 2]}]
    }
    assert rule_edits.rules_from_logic(rule_edits.rules_to_logic(rules, match="any")) == (
        "any",
        rules,
    )


def test_a_hand_written_rule_is_summarised_but_not_parsed() -> None:
    logic = {"if": [{"var": "method"}, True, False]}

    assert rule_edits.rules_from_logic(logic) is None
    assert rule_edits.logic_summary(simple(), logic).startswith("独自の条件")


def test_summaries_name_labels_and_option_labels_in_japanese_and_english() -> None:
    logic = {"==": [{"var": "method"}, "online"]}

    assert rule_edits.logic_summary(simple(), logic) == "「方法」が「オンライン」のとき"
    assert rule_edits.logic_summary(simple(), logic, "en") == "when “方法” is “オンライン”"
    sentences = [s for _a, s in rule_edits.condition_sentences(simple())]
    assert "「利用するツール」は「方法」が「オンライン」のときに表示" in sentences
    assert "「利用するツール」は「方法」が「オンライン」のときに必須" in sentences


@given(st.lists(st.sampled_from(["eq", "ne", "answered", "empty", "gt"]), min_size=1, max_size=4))
def test_rules_survive_a_round_trip_in_any_combination(ops: list[str]) -> None:
    rules = [Rule("count", op, None if op in ("answered", "empty") else 1) for op in ops]
    for match in ("all", "any"):
        logic = rule_edits.rules_to_logic(rules, match=match)
        assert rule_edits.rules_from_logic(logic) == ((match if len(rules) > 1 else "all"), rules)


def test_options_keep_their_values_when_relabelled_lines_stay_the_same() -> None:
    existing = [{"value": "visit", "label": {"ja": "来所"}}]

    options, errors = edits.parse_options(
        "来所\n電話 | By phone\n\nonline | オンライン | Online", existing
    )

    assert errors == []
    assert options == [
        {"value": "visit", "label": {"ja": "来所"}},
        {"value": "option_1", "label": {"ja": "電話", "en": "By phone"}},
        {"value": "online", "label": {"ja": "オンライン", "en": "Online"}},
    ]
    assert edits.parse_options(edits.options_text(options), options) == (options, [])


def test_a_bad_option_value_is_reported_by_line() -> None:
    with override("ja"):
        _options, errors = edits.parse_options("a b | 来所 | Visit", [])

    assert errors == ["1行目: 値「a b」に使えるのは A-Z a-z 0-9 _ - だけです。"]


def test_publishing_is_refused_for_each_guard_rail_with_what_to_fix() -> None:
    definition = simple()
    definition = edits.remove_field(definition, "method")  # online_tool's rules now dangle
    definition, choice = edits.add_field(definition, step_key="details", field_type="choice")
    definition["steps"][0]["fields"].append({"key": "name", "type": "text", "label": "重複"})
    definition, _empty = edits.add_step(definition, title_ja="空のページ")

    messages = [p.message_ja for p in publish_problems(definition)]

    assert (
        "ページ「空のページ」に項目がありません。項目を追加するか、ページを削除してください。"
        in messages
    )
    assert any("「利用するツール」の表示条件が、削除された項目「method」" in m for m in messages)
    assert any("「利用するツール」の必須条件が、削除された項目「method」" in m for m in messages)
    assert any(m.startswith("選択肢の項目「選択肢」に選択肢がありません") for m in messages)
    assert any(m.startswith("項目キー「name」が重複しています") for m in messages)
    problem = next(p for p in publish_problems(definition) if p.field == choice)
    assert problem.step == "details"


def test_schema_errors_the_builder_does_not_know_are_still_refused_and_located() -> None:
    definition = simple()
    edits.get_field(definition, "count")["max"] = "many"

    problems = publish_problems(definition)

    assert problems and problems[0].field == "count"


def test_field_validation_tolerates_missing_options_but_reports_bad_values() -> None:
    assert edits.validate_field({"key": "c", "type": "choice", "label": "c", "options": []}) == {}
    assert "max_length" in edits.validate_field(
        {"key": "t", "type": "text", "label": "t", "max_length": 99999}
    )


def test_the_diff_reads_as_plain_sentences() -> None:
    old = simple()
    new = edits.set_form_properties(old, {"title": {"ja": "新しい名前"}})
    new, _key = edits.add_field(new, step_key="details", field_type="phone", label_ja="電話番号")
    new = edits.remove_field(new, "visit_date")
    field = edits.get_field(new, "name") | {"required": False}
    new = edits.replace_field(new, "name", field)
    new = edits.move_field(new, "count", step_key="applicant", to=0)

    changes = plain_diff(old, new)

    assert "フォームの名前を「テスト申請」から「新しい名前」に変更" in changes
    assert "ページ「内容」に項目「電話番号」（電話番号）を追加" in changes
    assert "項目「希望日」を削除" in changes
    assert "項目「氏名」の必須を「はい」から「（なし）」に変更" not in changes
    assert "項目「氏名」の必須を「はい」から「いいえ」に変更" in changes
    assert "項目「人数」をページ「申請者」に移動" in changes
    assert plain_diff(old, old) == []
    assert "Removed question “Visit date”" not in plain_diff(old, new, "en")
    assert "Removed question “希望日”" in plain_diff(old, new, "en")


def test_saving_a_question_keeps_properties_the_editor_does_not_show() -> None:
    from django.http import QueryDict

    from madoguchi.forms.builder import fields

    current = {
        "key": "name",
        "type": "text",
        "label": {"ja": "氏名"},
        "autocomplete": "name",
        "visible_if": {"!!": {"var": "x"}},
    }
    data = QueryDict("label_ja=お名前&max_length=50")

    new, _entered, errors = fields.field_from_post(current, data, data.getlist)

    assert errors == {}
    assert new["autocomplete"] == "name"
    assert new["visible_if"] == {"!!": {"var": "x"}}
    assert new["label"] == {"ja": "お名前"}
    assert new["max_length"] == 50
