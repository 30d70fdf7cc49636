"""Refusals: one base type, stable snake_case codes, one class per code."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from madoguchi.core.refusals import CODES, FieldError, Refused


class _Closed(Refused):
    code = "test_only_closed"
    status = 409
    default_message = gettext_lazy(
        "Something went wrong on our side. Please try again in a few minutes."
    )


def test_a_refusal_carries_its_class_code_and_its_default_message_translated_when_read() -> None:
    refused = _Closed()
    assert refused.code == "test_only_closed" and refused.status == 409
    with translation.override("en"):
        assert str(refused).startswith("Something went wrong")
    with translation.override("ja"):
        assert not str(refused).startswith("Something went wrong")


def test_the_api_body_names_the_code_the_message_and_each_field_error() -> None:
    refused = _Closed(
        "Closed.", field="name", field_errors=[FieldError("name", "required", "Fill this in.")]
    )
    assert refused.field == "name"
    assert refused.as_json() == {
        "code": "test_only_closed",
        "message": "Closed.",
        "field_errors": [{"field": "name", "code": "required", "message": "Fill this in."}],
    }
    assert _Closed("Closed.").as_json() == {"code": "test_only_closed", "message": "Closed."}


def test_a_subclass_without_its_own_code_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="must set its own stable"):

        class _NoCode(_Closed):
            pass


def test_a_code_that_is_not_snake_case_is_refused_when_defined() -> None:
    with pytest.raises(TypeError, match="not snake_case"):

        class _Bad(Refused):
            code = "Bad-Code"


def test_two_classes_cannot_share_a_code() -> None:
    with pytest.raises(TypeError, match="already used by"):

        class _Again(Refused):
            code = "test_only_closed"


def test_an_abstract_grouping_class_may_share_its_parent_code() -> None:
    class _Group(_Closed):
        abstract = True

    class _Child(_Group):
        code = "test_only_child"

    assert CODES["test_only_child"] is _Child and "refused" in CODES
    del CODES["test_only_child"]


def test_a_family_registers_each_of_its_codes_and_its_instances_carry_one() -> None:
    class _Family(Refused):
        code = "test_only_family"
        codes = frozenset({"test_only_expired", "test_only_revoked"})

    assert _Family(code="test_only_revoked").code == "test_only_revoked"
    assert _Family().code == "test_only_family"
    assert {CODES[c] for c in ("test_only_family", "test_only_expired")} == {_Family}
    with pytest.raises(ValueError, match="is not one of"):
        _Family(code="test_only_closed")
    for code in ("test_only_family", "test_only_expired", "test_only_revoked"):
        del CODES[code]
