from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.template.loader import get_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.core.registry import DuplicateBackend
from madoguchi.forms import fieldtypes
from madoguchi.forms.fieldtypes import registry
from madoguchi.forms.fieldtypes.base import FieldInvalid, FieldType
from madoguchi.forms.schema import BaseField
from madoguchi.jp.errors import InvalidJapaneseInput


def test_the_registered_names_are_the_schema_discriminator_values_in_order() -> None:
    assert fieldtypes.names() == list(registry.schema_type_names())


@pytest.mark.parametrize("field_type", fieldtypes.all_types(), ids=lambda t: t.name)
def test_every_type_implements_each_part(field_type: FieldType[Any]) -> None:
    assert not inspect.isabstract(type(field_type))
    assert issubclass(field_type.model, BaseField)
    assert field_type.model.model_fields["type"].annotation.__args__ == (field_type.name,)
    assert str(field_type.display_name)
    get_template(field_type.template_name)  # raises TemplateDoesNotExist
    for prop in field_type.editor_props:
        assert prop.name in field_type.model.model_fields, (field_type.name, prop.name)
    question = field_type.model.model_construct(key="q", type=field_type.name)
    assert question.collects_input == field_type.collects_input
    if field_type.takes_prefill:
        assert "prefill" in field_type.model.model_fields


def test_an_unknown_type_name_is_a_clear_error() -> None:
    with pytest.raises(fieldtypes.UnknownFieldType, match=r"no field type named 'url' \(known: "):
        fieldtypes.get("url")


def test_a_second_type_cannot_take_a_registered_name() -> None:
    class OtherText(type(fieldtypes.get("text"))):  # type: ignore[misc]
        pass

    with pytest.raises(DuplicateBackend, match="field type 'text' is already registered"):
        registry.register(OtherText)


def test_a_type_must_name_the_model_whose_type_it_is() -> None:
    class Misnamed(type(fieldtypes.get("text"))):  # type: ignore[misc]
        name = "long_text"

    with pytest.raises(ValueError, match="names a model whose type is"):
        registry.register(Misnamed)


# One question of each type, with the fewest properties the schema allows.
QUESTIONS: dict[str, BaseField] = {
    t.name: t.model.model_validate(
        {"key": "q", "type": t.name, "label": "質問"}
        | ({"options": [{"value": "a", "label": "ア"}, {"value": "b", "label": "イ"}]}
           if t.name == "choice" else {})
        | ({"body": "説明"} if t.name == "info" else {})
    )
    for t in fieldtypes.all_types()
}  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["a", "b", "2025-04-01", "922-8622", "0761721111", "カガ", "x@example.jp"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=8,
)


@dataclass
class Cells:
    language: str = "ja"
    typed: bool = False
    agreed: str = "同意"

    def date_text(self, day: date) -> str:
        return day.isoformat()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(QUESTIONS)), json_values, st.booleans())
def test_each_type_cleans_or_refuses_any_json_and_shows_and_exports_what_it_stored(
    name: str, value: Any, typed: bool
) -> None:
    field_type, question = fieldtypes.get(name), QUESTIONS[name]

    try:
        stored = field_type.clean(question, value)
    except (FieldInvalid, InvalidJapaneseInput) as error:
        assert str(error)
        return

    assert field_type.clean(question, stored) == stored
    assert isinstance(field_type.display(question, stored, language="ja"), str)
    render = field_type.export_renderer(question, Cells(typed=typed))
    render(stored)
    render(json.dumps(stored, ensure_ascii=False))  # PostgreSQL hands JSON over as text


# Properties the field editor leaves alone on purpose: the common ones (label, help,
# required, prefill, the rules) and those set by importing a file (autocomplete, a long
# text's minimum length); saving a question keeps them (see builder.fields).
NOT_IN_EDITOR = {"key", "type", "label", "help", "required", "required_if", "visible_if"}
NOT_IN_EDITOR |= {"prefill", "autocomplete"}
NOT_IN_EDITOR_BY_TYPE = {"long_text": {"min_length"}}


@pytest.mark.parametrize("field_type", fieldtypes.all_types(), ids=lambda t: t.name)
def test_the_field_editor_offers_every_property_of_a_type(field_type: FieldType[Any]) -> None:
    offered = {prop.name for prop in field_type.editor_props}

    missing = set(field_type.model.model_fields) - offered - NOT_IN_EDITOR
    assert missing == NOT_IN_EDITOR_BY_TYPE.get(field_type.name, set())
