from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.forms.conditions import holds
from madoguchi.guide.builder import edits
from madoguchi.guide.builder.services import InvalidCandidate, validate
from madoguchi.guide.schema import GuideDefinition

from .test_rules import DEFINITION


def _definition() -> dict[str, Any]:
    return GuideDefinition.model_validate(DEFINITION).model_dump(mode="json", exclude_none=True)


@pytest.mark.parametrize("life_event", sorted(edits.LIFE_EVENTS))
def test_every_life_event_starts_a_valid_guide(life_event: str) -> None:
    definition = edits.starter(title={"ja": "ガイド"}, life_event=life_event)

    parsed = validate(definition)

    assert parsed.life_event == life_event
    assert len(parsed.questions) == 1 and len(parsed.procedures) == 1


def test_edits_return_a_new_definition_and_leave_the_input_alone() -> None:
    definition = _definition()
    before = copy.deepcopy(definition)

    moved = edits.move(definition, "questions", "items", direction=-1)
    removed = edits.remove(moved, "procedures", "moped")

    assert definition == before
    assert [q["key"] for q in moved["questions"]] == ["move_type", "items", "insurance"]
    assert [p["key"] for p in removed["procedures"]] == ["tennyu", "kokuho"]


def test_moving_past_the_end_is_refused() -> None:
    with pytest.raises(edits.BuilderError):
        edits.move(_definition(), "questions", "move_type", direction=-1)


def test_an_added_item_gets_a_free_key() -> None:
    definition, key = edits.add(
        _definition(), "procedures", {"title": {"ja": "x"}}, key_hint="gentsuki-haisha"
    )
    again, other = edits.add(definition, "procedures", {"title": {"ja": "y"}}, key_hint="gentsuki")

    assert key == "gentsuki_haisha"
    assert other == "gentsuki"
    assert len(again["procedures"]) == 5


def test_moving_a_question_above_the_one_its_condition_reads_is_explained_on_the_condition() -> (
    None
):
    moved = edits.move(_definition(), "questions", "insurance", direction=-1)

    with pytest.raises(InvalidCandidate) as refused:
        validate(moved)

    (problem,) = refused.value.problems
    assert (problem.section, problem.key, problem.field) == ("questions", "insurance", "condition")


def test_an_empty_japanese_title_is_named_by_its_field() -> None:
    definition = _definition() | {"title": {"ja": "", "en": "Moving"}}

    with pytest.raises(InvalidCandidate) as refused:
        validate(definition)

    assert [(p.section, p.field) for p in refused.value.problems] == [("", "title")]


def test_the_condition_editor_offers_only_earlier_questions() -> None:
    offered = edits.choices(_definition(), before="insurance", language="ja")

    assert [c.token for c in offered] == ["move_type=from_other", "move_type=within"]


def test_a_yes_no_answer_becomes_a_boolean_rule() -> None:
    offered = edits.choices(_definition(), before=None, language="ja")

    logic = edits.condition_from("all", ["insurance=yes"], offered, current=None)

    assert logic == {"===": [{"var": "insurance"}, True]}
    assert edits.summary(_definition(), logic, "ja") == "「国保ですか」が「はい」のとき"


def test_a_hand_written_rule_is_kept_unless_changed() -> None:
    offered = edits.choices(_definition(), before=None, language="ja")
    custom = {"or": [{"var": "insurance"}, {"!": {"var": "items"}}]}

    assert edits.condition_state(custom, offered) == ("keep", set())
    assert edits.condition_from("keep", [], offered, current=custom) == custom
    assert edits.condition_from("always", [], offered, current=custom) is None


@pytest.mark.parametrize(
    ("mode", "tokens"), [("all", []), ("any", ["nobody=yes"]), ("sometimes", [])]
)
def test_a_condition_that_cannot_be_built_is_refused(mode: str, tokens: list[str]) -> None:
    offered = edits.choices(_definition(), before=None, language="ja")

    with pytest.raises(edits.BuilderError):
        edits.condition_from(mode, tokens, offered, current=None)


_OFFERED = edits.choices(_definition(), before=None, language="ja")
_ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "move_type": st.sampled_from(["from_other", "within"]),
        "insurance": st.booleans(),
        "items": st.lists(st.sampled_from(["moped", "license"]), unique=True),
    },
)


@given(
    mode=st.sampled_from(["all", "any"]),
    tokens=st.lists(st.sampled_from([c.token for c in _OFFERED]), min_size=1, unique=True),
    answers=_ANSWERS,
)
def test_ticked_answers_round_trip_and_hold_as_they_read(
    mode: str, tokens: list[str], answers: dict[str, Any]
) -> None:
    logic = edits.condition_from(mode, tokens, _OFFERED, current=None)

    state_mode, checked = edits.condition_state(logic, _OFFERED)

    assert checked == set(tokens)
    assert state_mode == mode or len(tokens) == 1
    by_token = {c.token: c.rule for c in _OFFERED}

    def given_answer(token: str) -> bool:
        rule = by_token[token]
        answer = answers.get(rule.field)
        return rule.value in answer if isinstance(answer, list) else answer == rule.value

    expected = (all if mode == "all" else any)(given_answer(t) for t in tokens)
    assert holds(logic, answers) == expected


_LINE = st.text(st.characters(blacklist_characters="|", blacklist_categories=["Cc", "Zl", "Zp"]))


@given(st.lists(st.tuples(_LINE, _LINE), max_size=5))
def test_what_to_bring_round_trips_through_its_lines(pairs: list[tuple[str, str]]) -> None:
    items = [edits.localized(ja, en) for ja, en in pairs]
    items = [i for i in items if i is not None and i["ja"]]

    assert edits.lines_of(edits.lines_text(items)) == items


def test_a_character_that_cannot_be_stored_is_refused_with_words() -> None:
    definition = _definition()
    definition["questions"][0]["text"] = {"ja": "どこから\x07"}

    with pytest.raises(InvalidCandidate) as refused:
        validate(definition)

    (problem,) = refused.value.problems
    assert problem.message and "Value error" not in problem.message


def test_a_repeated_option_value_is_explained_on_the_options() -> None:
    definition = _definition()
    definition["questions"][0]["options"][1]["value"] = "from_other"

    with pytest.raises(InvalidCandidate) as refused:
        validate(definition)

    assert [(p.section, p.key, p.field) for p in refused.value.problems] == [
        ("questions", "move_type", "options")
    ]
