"""The field types by name: registration, lookup and the list in schema order.

Registration happens when :mod:`madoguchi.forms.fieldtypes` is imported: it imports every
type module by name, so the set is fixed by that list, never by which module happened to be
imported first. (Unlike backends, which a deployment chooses and an AppConfig registers,
field types are part of the schema: every deployment has all of them.) Look types up through
that package, not this module, so the list is full.
"""

from __future__ import annotations

from typing import Any, get_args

from madoguchi.core.registry import Registry, UnknownBackend

from ..schema import BaseField, FormField
from .base import FieldType

# The shared registry shape (core.registry): a name once, an unknown name lists the known.
_TYPES: Registry[FieldType[Any]] = Registry("field type")
UnknownFieldType = UnknownBackend


def schema_type_names() -> tuple[str, ...]:
    """The discriminator values of the schema's field union, in its order."""
    return tuple(
        get_args(model.model_fields["type"].annotation)[0]
        for model in get_args(get_args(FormField)[0])
    )


def register(field_type: type[FieldType[Any]]) -> type[FieldType[Any]]:
    """Class decorator: make one instance of ``field_type`` the handler of its name.

    A name may be registered once (:class:`~madoguchi.core.registry.DuplicateBackend`),
    and only for the model whose ``type`` it is, so two modules cannot silently claim the
    same questions.
    """
    name = field_type.name
    declared = get_args(field_type.model.model_fields["type"].annotation)
    if declared != (name,):
        raise ValueError(f"field type '{name}' names a model whose type is {declared}")
    _TYPES.register(name, field_type())
    return field_type


def get(name: str) -> FieldType[Any]:
    """The type named ``name``; :class:`UnknownFieldType` (listing the known) otherwise."""
    return _TYPES.get(name)


def of(form_field: BaseField) -> FieldType[Any]:
    """The type of a question of the schema."""
    return get(form_field.type)  # type: ignore[attr-defined]


def all_types() -> list[FieldType[Any]]:
    """Every registered type, in the schema's order (the builder's type list)."""
    order = {name: index for index, name in enumerate(schema_type_names())}
    return sorted(
        (_TYPES.get(name) for name in _TYPES), key=lambda t: order.get(t.name, len(order))
    )


def names() -> list[str]:
    return [field_type.name for field_type in all_types()]
