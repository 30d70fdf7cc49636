from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.guide import rules, services
from madoguchi.guide.schema import GuideDefinition

DEFINITION: dict[str, Any] = {
    "title": {"ja": "引越し", "en": "Moving"},
    "questions": [
        {
            "key": "move_type",
            "kind": "single",
            "text": "どこから",
            "options": [
                {"value": "from_other", "label": "市外から"},
                {"value": "within", "label": "市内"},
            ],
        },
        {
            "key": "insurance",
            "kind": "yes_no",
            "text": "国保ですか",
            "visible_if": {"==": [{"var": "move_type"}, "from_other"]},
        },
        {
            "key": "items",
            "kind": "multiple",
            "text": "当てはまるもの",
            "options": [{"value": "moped", "label": "原付"}, {"value": "license", "label": "免許"}],
        },
    ],
    "procedures": [
        {
            "key": "tennyu",
            "channel": "counter",
            "site": "市民課",
            "url": "https://city.example.jp/tennyu",
            "title": "転入届",
            "what": "転入の届出",
            "who": "本人",
            "deadline": "転入日から14日以内",
            "applies_if": {"==": [{"var": "move_type"}, "from_other"]},
        },
        {
            "key": "kokuho",
            "form": "kokuho-kanyu",
            "title": "国民健康保険",
            "what": "加入",
            "who": "世帯主",
            "applies_if": {"var": "insurance"},
        },
        {
            "key": "moped",
            "form": "gentsuki",
            "title": "原付",
            "what": "標識",
            "who": "所有者",
            "applies_if": {"in": ["moped", {"var": "items"}]},
        },
    ],
}
DEMO_GUIDES = Path(__file__).resolve().parents[2] / "demo" / "guides"


def _definition() -> GuideDefinition:
    return GuideDefinition.model_validate(DEFINITION)


def test_a_question_whose_condition_fails_is_not_asked_and_its_answer_is_ignored() -> None:
    evaluation = rules.evaluate(
        _definition(), {"move_type": ["within"], "insurance": ["yes"], "items": ["-"]}
    )

    assert [q.key for q in evaluation.questions] == ["move_type", "items"]
    assert evaluation.answers == {"move_type": "within", "items": []}
    assert evaluation.complete


def test_a_question_that_becomes_applicable_is_missing_until_answered() -> None:
    evaluation = rules.evaluate(_definition(), {"move_type": ["from_other"], "items": ["-"]})

    assert evaluation.missing == ["insurance"]


def test_answers_that_are_not_options_are_not_answers() -> None:
    evaluation = rules.evaluate(
        _definition(), {"move_type": ["mars"], "items": ["moped", "boat", "moped"]}
    )

    assert evaluation.missing == ["move_type"]
    assert evaluation.answers["items"] == ["moped"]


def test_rules_map_answers_to_procedures() -> None:
    definition = _definition()
    evaluation = rules.evaluate(
        definition, {"move_type": ["from_other"], "insurance": ["no"], "items": ["-", "moped"]}
    )

    procedures = rules.applicable_procedures(definition, evaluation.answers)

    assert [p.key for p in procedures] == ["tennyu", "moped"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"procedures": [{**DEFINITION["procedures"][0], "url": None}]}, "channel, site and url"),
        ({"procedures": [{**DEFINITION["procedures"][0], "url": "javascript:alert(1)"}]}, "url"),
        ({"procedures": [{**DEFINITION["procedures"][1], "channel": "mail"}]}, "channels come"),
        (
            {"procedures": [{**DEFINITION["procedures"][0], "applies_if": {"var": "age"}}]},
            "reads age, which is not a question",
        ),
        ({"questions": [{**DEFINITION["questions"][0], "options": []}]}, "at least two"),
    ],
)
def test_a_broken_definition_is_refused_with_what_to_fix(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(services.InvalidGuide) as refused:
        services.parse_definition({**DEFINITION, **change})

    assert message in str(refused.value)


def test_a_yaml_syntax_error_names_its_line() -> None:
    with pytest.raises(services.InvalidGuide) as refused:
        services.parse_yaml("title: 引越し\nquestions: [\n")

    assert refused.value.lines[0].startswith("line 3")


@given(
    st.recursive(
        st.none() | st.booleans() | st.text(max_size=5),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=5), c),
        max_leaves=10,
    )
)
def test_any_input_is_either_a_definition_or_a_clear_refusal(data: Any) -> None:
    try:
        services.parse_definition(data)
    except services.InvalidGuide as refused:
        assert refused.lines


@pytest.mark.parametrize("name", ["172065-hikkoshi.yaml", "281000-okuyami.yaml"])
def test_the_demo_guides_list_at_least_five_procedures_across_channels(name: str) -> None:
    definition = services.parse_yaml((DEMO_GUIDES / name).read_text(encoding="utf-8"))

    assert len(definition.procedures) >= 5
    assert {p.external for p in definition.procedures} == {True, False}
    assert {p.channel for p in definition.procedures if p.external} >= {"online", "counter"}


@given(
    st.dictionaries(
        st.sampled_from(["move_type", "insurance", "items", "asked", "other"]),
        st.lists(st.sampled_from(["from_other", "within", "yes", "no", "moped", "-", "", "x"])),
    )
)
def test_any_submitted_answers_give_only_valid_answers_to_applicable_questions(
    submitted: dict[str, list[str]],
) -> None:
    definition = _definition()

    evaluation = rules.evaluate(definition, submitted)

    keys = [q.key for q in evaluation.questions]
    assert set(evaluation.answers) | set(evaluation.missing) == set(keys)
    assert evaluation.answers.get("move_type", "within") in {"from_other", "within"}
    assert evaluation.answers.get("insurance", True) in {True, False}
    assert set(evaluation.answers.get("items", [])) <= {"moped", "license"}
    rules.applicable_procedures(definition, evaluation.answers)
