"""The generic registry: one backend per name, unknown names named with the known ones."""

from __future__ import annotations

import pytest

from madoguchi.core.registry import DuplicateBackend, Registry, UnknownBackend


class _Fax:
    label = "Fax"


class _Post:
    label = "Post"


def _registry() -> Registry[object]:
    return Registry("transport", label=lambda backend: str(getattr(backend, "label", "")))


def test_a_registered_backend_is_found_by_its_name() -> None:
    registry = _registry()
    fax = registry.register("fax", _Fax())

    assert registry.get("fax") is fax
    assert "fax" in registry and len(registry) == 1 and list(registry) == ["fax"]


def test_an_unknown_name_is_an_error_that_lists_the_known_names() -> None:
    registry = _registry()
    registry.register("post", _Post())
    registry.register("fax", _Fax())

    with pytest.raises(UnknownBackend, match=r"no transport named 'pigeon' \(known: fax, post\)"):
        registry.get("pigeon")


def test_a_second_backend_under_a_taken_name_is_refused() -> None:
    registry = _registry()
    registry.register("fax", _Fax())

    with pytest.raises(DuplicateBackend, match="already registered"):
        registry.register("fax", _Post())


def test_registering_the_same_backend_class_again_changes_nothing() -> None:
    registry = _registry()
    registry.register("fax", _Fax())
    registry.register("fax", _Fax())

    assert registry.names() == ["fax"]


def test_choices_pair_each_name_with_its_label_in_name_order() -> None:
    registry = _registry()
    registry.register("post", _Post())
    registry.register("fax", _Fax())

    assert registry.choices() == [("fax", "Fax"), ("post", "Post")]
    registry.unregister("fax")
    assert registry.names() == ["post"]
