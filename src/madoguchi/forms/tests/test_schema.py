"""FormSchema: what a form definition may say, and the mistakes it refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from madoguchi.forms.schema import FormSchema, LocalizedText, condition_variables

DEMO_FORMS = sorted((Path(__file__).resolve().parents[2] / "demo" / "forms").glob("*.yaml"))


def schema_with(*fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A one-step form definition around ``fields``."""
    return {
        "title": "テスト申請",
        "steps": [{"key": "main", "title": "入力", "fields": list(fields)}],
    } | extra


def text_field(key: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": "text", "label": key} | extra


def test_a_plain_string_is_shorthand_for_japanese_text() -> None:
    schema = FormSchema.model_validate(schema_with(text_field("name", label="氏名")))

    label = schema.field("name").label

    assert label == LocalizedText(ja="氏名")
    assert label.get("en") == "氏名"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ja", "氏名"), ("en", "Full name"), ("en-us", "Full name"), ("ko", "氏名")],
)
def test_text_is_shown_in_english_for_english_and_in_japanese_otherwise(
    language: str, expected: str
) -> None:
    text = LocalizedText(ja="氏名", en="Full name")

    assert text.get(language) == expected


def test_japanese_text_is_required_and_other_languages_are_refused() -> None:
    with pytest.raises(ValidationError, match="ja"):
        LocalizedText.model_validate({"en": "Name"})

    with pytest.raises(ValidationError, match="fr"):
        LocalizedText.model_validate({"ja": "氏名", "fr": "Nom"})


def test_a_field_key_used_twice_is_refused_with_the_key_and_both_steps() -> None:
    definition = {
        "title": "テスト申請",
        "steps": [
            {"key": "applicant", "title": "申請者", "fields": [text_field("name")]},
            {"key": "child", "title": "お子さん", "fields": [text_field("name")]},
        ],
    }

    with pytest.raises(ValidationError) as error:
        FormSchema.model_validate(definition)

    assert "duplicate field key 'name' (steps 'applicant' and 'child')" in str(error.value)


@pytest.mark.parametrize("rule", ["visible_if", "required_if"])
def test_a_field_condition_on_an_unknown_field_is_refused(rule: str) -> None:
    definition = schema_with(
        text_field("name"), text_field("tool", **{rule: {"==": [{"var": "method"}, "online"]}})
    )

    with pytest.raises(
        ValidationError, match=f"field 'tool' {rule} refers to unknown field 'method'"
    ):
        FormSchema.model_validate(definition)


def test_a_step_condition_on_an_unknown_field_is_refused() -> None:
    definition = schema_with(text_field("name"))
    definition["steps"][0]["visible_if"] = {"var": "has_children"}

    with pytest.raises(
        ValidationError, match="step 'main' visible_if refers to unknown field 'has_children'"
    ):
        FormSchema.model_validate(definition)


def test_a_condition_may_refer_to_a_field_on_a_later_step() -> None:
    definition = {
        "title": "テスト申請",
        "steps": [
            {"key": "first", "title": "一", "fields": [text_field("a", visible_if={"var": "b"})]},
            {"key": "second", "title": "二", "fields": [text_field("b")]},
        ],
    }

    schema = FormSchema.model_validate(definition)

    assert schema.field("a").visible_if == {"var": "b"}


@pytest.mark.parametrize("options", [None, []], ids=["missing", "empty"])
def test_a_choice_without_options_is_refused(options: list[Any] | None) -> None:
    field: dict[str, Any] = {"key": "method", "type": "choice", "label": "方法"}
    if options is not None:
        field["options"] = options

    with pytest.raises(ValidationError, match="options"):
        FormSchema.model_validate(schema_with(field))


def test_a_choice_offering_the_same_value_twice_is_refused() -> None:
    field = {
        "key": "method",
        "type": "choice",
        "label": "方法",
        "options": [{"value": "visit", "label": "来所"}, {"value": "visit", "label": "訪問"}],
    }

    with pytest.raises(ValidationError, match="option values must be unique"):
        FormSchema.model_validate(schema_with(field))


def test_a_postal_code_must_fill_an_address_field_that_exists() -> None:
    postal = {
        "key": "postal_code",
        "type": "postal_code",
        "label": "郵便番号",
        "address_field": "address",
    }

    with pytest.raises(
        ValidationError, match="'postal_code' fills unknown address field 'address'"
    ):
        FormSchema.model_validate(schema_with(postal))

    schema = FormSchema.model_validate(schema_with(postal, text_field("address")))
    assert schema.field("postal_code").address_field == "address"


def test_the_applicant_name_field_must_exist() -> None:
    with pytest.raises(
        ValidationError, match="applicant_name_field refers to unknown field 'name'"
    ):
        FormSchema.model_validate(schema_with(text_field("email"), applicant_name_field="name"))


def test_every_problem_is_reported_at_once() -> None:
    definition = schema_with(
        text_field("name"), text_field("name"), text_field("tool", visible_if={"var": "method"})
    )

    with pytest.raises(ValidationError) as error:
        FormSchema.model_validate(definition)

    message = str(error.value)
    assert "duplicate field key 'name'" in message
    assert "unknown field 'method'" in message


@pytest.mark.parametrize("path", DEMO_FORMS, ids=[path.stem for path in DEMO_FORMS])
def test_a_demo_form_survives_a_json_round_trip_unchanged(path: Path) -> None:
    schema = FormSchema.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))["schema"])

    dumped = schema.model_dump(mode="json", exclude_none=True)
    reloaded = FormSchema.model_validate(dumped)

    assert reloaded == schema
    assert reloaded.model_dump(mode="json", exclude_none=True) == dumped


# --- conditions -------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
Logic = tuple[Any, frozenset[str]]


def _variable(key: str, form: str) -> Logic:
    if form == "plain":
        return {"var": key}, frozenset({key})
    if form == "default":
        return {"var": [key, ""]}, frozenset({key})
    return {"var": f"{key}.name"}, frozenset({key})


variables = st.builds(_variable, keys, st.sampled_from(["plain", "default", "dotted"]))
# Text constants without control characters: those are refused anywhere in a definition.
storable_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=4)
constants = st.one_of(st.integers(), storable_text, st.booleans(), st.none()).map(
    lambda value: (value, frozenset())
)


def _combine(operator: str, arguments: list[Logic]) -> Logic:
    found = frozenset().union(*(names for _logic, names in arguments))
    return {operator: [logic for logic, _names in arguments]}, found


operators = st.sampled_from(["and", "or", "==", "!=", "<", ">=", "!", "!!", "if", "in", "+"])
json_logic = st.recursive(
    variables | constants,
    lambda inner: st.builds(_combine, operators, st.lists(inner, min_size=1, max_size=4)),
    max_leaves=15,
)


@given(json_logic)
def test_condition_variables_finds_every_variable_however_deeply_nested(case: Logic) -> None:
    logic, expected = case

    assert condition_variables(logic) == expected


@settings(max_examples=40)
@given(json_logic, st.sets(keys, min_size=1, max_size=5))
def test_a_condition_is_accepted_exactly_when_every_field_it_reads_exists(
    case: Logic, field_keys: set[str]
) -> None:
    logic, names = case
    fields = [text_field(key) for key in sorted(field_keys)]
    fields.append(text_field("zz_conditional", visible_if={"and": [logic, True]}))

    if names <= field_keys:
        schema = FormSchema.model_validate(schema_with(*fields))
        assert schema.field("zz_conditional").visible_if == {"and": [logic, True]}
    else:
        unknown = sorted(names - field_keys)[0]
        with pytest.raises(ValidationError, match=f"unknown field '{unknown}'"):
            FormSchema.model_validate(schema_with(*fields))


@pytest.mark.parametrize(
    "definition",
    [
        schema_with(text_field("name", label="氏名\x00")),
        schema_with(text_field("name"), title={"ja": "申請", "en": "Apply\x1b[31m"}),
        schema_with(text_field("name", help="\ud800")),
    ],
)
def test_a_definition_with_text_that_cannot_be_stored_is_refused(
    definition: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError, match=r"U\+"):
        FormSchema.model_validate(definition)
