"""The optional ``mail`` block of a form schema (the mail-in channel's enclosures and texts)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from madoguchi.forms.schema import FormSchema
from madoguchi.testing.factories import SIMPLE_SCHEMA


def schema(**extra: Any) -> FormSchema:
    return FormSchema.model_validate({**SIMPLE_SCHEMA, **extra})


def test_a_form_without_a_mail_block_has_none() -> None:
    assert schema().mail is None


def test_the_mail_block_holds_enclosures_the_signature_box_and_the_choice_text() -> None:
    read = schema(
        channels=["online", "mail"],
        mail={
            "enclosures": ["鑑札（原本）", {"ja": "本人確認書類の写し", "en": "A copy of your ID"}],
            "handwritten_signature": True,
            "description": "原本の送付が必要な方は郵送で。",
        },
    )

    assert read.mail is not None
    assert [text.get("en") for text in read.mail.enclosures] == [
        "鑑札（原本）",
        "A copy of your ID",
    ]
    assert read.mail.handwritten_signature is True
    assert read.mail.description is not None
    assert read.mail.description.get("ja") == "原本の送付が必要な方は郵送で。"


def test_an_unknown_mail_setting_is_refused() -> None:
    with pytest.raises(ValidationError):
        schema(mail={"stamp": True})


def test_the_mail_block_survives_a_round_trip_through_json() -> None:
    original = schema(channels=["mail"], mail={"enclosures": ["旧福祉乗車証"]})

    assert FormSchema.model_validate_json(original.model_dump_json()) == original
