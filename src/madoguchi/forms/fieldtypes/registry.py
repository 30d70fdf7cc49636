"""The field types by name: registration, lookup and the list in schema order.

Registration happens when :mod:`madoguchi.forms.fieldtypes` is imported (it imports every
type module); look types up through that package, not this module, so the list is full.
"""

from __future__ import annotations

from typing import Any, get_args

from ..schema import BaseField, FormField
from .base import FieldType

_TYPES: dict[str, FieldType[Any]] = {}


class UnknownFieldType(KeyError):
    """A type name no module registered; the message names the known ones."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown field type"


def schema_type_names() -> tuple[str, ...]:
    """The discriminator values of the schema's field union, in its order."""
    return tuple(
        get_args(model.model_fields["type"].annotation)[0]
        for model in get_args(get_args(FormField)[0])
    )


def register(field_type: type[FieldType[Any]]) -> type[FieldType[Any]]:
    """Class decorator: make one instance of ``field_type`` the handler of its name.

    A name may be registered once, and only for the model whose ``type`` it is, so two
    modules cannot silently claim the same questions.
    """
    name = field_type.name
    if name in _TYPES:
        raise ValueError(f"field type '{name}' is registered twice")
    declared = get_args(field_type.model.model_fields["type"].annotation)
    if declared != (name,):
        raise ValueError(f"field type '{name}' names a model whose type is {declared}")
    _TYPES[name] = field_type()
    return field_type


def get(name: str) -> FieldType[Any]:
    try:
        return _TYPES[name]
    except KeyError:
        known = ", ".join(sorted(_TYPES))
        raise UnknownFieldType(f"unknown field type '{name}' (known: {known})") from None


def of(form_field: BaseField) -> FieldType[Any]:
    """The type of a question of the schema."""
    return get(form_field.type)  # type: ignore[attr-defined]


def all_types() -> list[FieldType[Any]]:
    """Every registered type, in the schema's order (the builder's type list)."""
    order = {name: index for index, name in enumerate(schema_type_names())}
    return sorted(_TYPES.values(), key=lambda t: order.get(t.name, len(order)))


def names() -> list[str]:
    return [field_type.name for field_type in all_types()]
