from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.template.loader import get_template

from madoguchi.forms import fieldtypes
from madoguchi.forms.fieldtypes import registry
from madoguchi.forms.fieldtypes.base import FieldType
from madoguchi.forms.schema import BaseField


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
    with pytest.raises(fieldtypes.UnknownFieldType, match=r"unknown field type 'url'.*known: "):
        fieldtypes.get("url")


def test_a_type_cannot_be_registered_twice() -> None:
    text = type(fieldtypes.get("text"))

    with pytest.raises(ValueError, match="registered twice"):
        registry.register(text)
