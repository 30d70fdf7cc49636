"""Pages show a refusal the same way: on the next page, or on the form's fields."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import translation

from madoguchi.core.refusal_views import add_to_form, flash, message_of
from madoguchi.core.refusals import FieldError, Refused


class _Refused(Refused):
    code = "test_only_page_refused"


class _Form(forms.Form):
    name = forms.CharField(required=False)


def test_an_english_msgid_is_shown_translated_and_translated_text_unchanged() -> None:
    with translation.override("ja"):
        assert message_of(_Refused("Saved.")) == "保存しました。"
        assert message_of(_Refused("保存しました。")) == "保存しました。"


@pytest.mark.django_db
def test_flash_leaves_the_message_for_the_next_page() -> None:
    request = RequestFactory().post("/")
    request.session = {}  # type: ignore[attr-defined]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]

    with translation.override("en"):
        flash(request, _Refused("Closed."))

    assert [str(m) for m in get_messages(request)] == ["Closed."]


def test_field_errors_go_on_their_fields_and_others_on_the_whole_form() -> None:
    form = _Form(data={})
    form.is_valid()
    refused = _Refused(
        "Fix these.",
        field_errors=[FieldError("name", "x", "Too long."), FieldError("nope", "y", "Odd.")],
    )

    add_to_form(form, refused)

    assert form.errors == {"name": ["Too long."], "__all__": ["Odd."]}


def test_a_refusal_without_field_errors_goes_on_its_field() -> None:
    form = _Form(data={})
    form.is_valid()

    add_to_form(form, _Refused("Taken.", field="name"))

    assert form.errors == {"name": ["Taken."]}
