"""Claims become the basic four items, and those fill (and lock) the marked fields."""

from __future__ import annotations

from django.utils import timezone

from madoguchi.forms.schema import FormSchema
from madoguchi.identity import services
from madoguchi.identity.models import VerifiedIdentity

SCHEMA = FormSchema.model_validate(
    {
        "title": "人間ドック",
        "steps": [
            {
                "key": "applicant",
                "title": "申請者",
                "fields": [
                    {"key": "name", "type": "text", "label": "氏名", "prefill": "name"},
                    {"key": "kana", "type": "kana", "label": "フリガナ", "prefill": "name_kana"},
                    {"key": "born", "type": "date", "label": "生年月日", "prefill": "birth_date"},
                    {
                        "key": "sex",
                        "type": "choice",
                        "label": "性別",
                        "prefill": "sex",
                        "options": [
                            {"value": "male", "label": "男"},
                            {"value": "female", "label": "女"},
                        ],
                    },
                    {"key": "address", "type": "text", "label": "住所", "prefill": "address"},
                    {"key": "phone", "type": "phone", "label": "電話番号"},
                ],
            }
        ],
    }
)


def identity(**items: str) -> VerifiedIdentity:
    now = timezone.now()
    return VerifiedIdentity(basic_four=items, authenticated_at=now, verified_at=now)


def test_the_card_fills_name_birth_date_sex_and_address_but_not_the_reading_or_phone() -> None:
    verified = identity(
        name="加賀 太郎", address="石川県加賀市大聖寺南町ニ41", birth_date="1975-04-01", sex="male"
    )

    locked = services.locked_answers(SCHEMA, verified)

    assert locked == {
        "name": "加賀 太郎",
        "born": "1975-04-01",
        "sex": "male",
        "address": "石川県加賀市大聖寺南町ニ41",
    }


def test_a_value_the_form_has_no_option_for_is_left_to_the_resident() -> None:
    locked = services.locked_answers(SCHEMA, identity(sex="other"))

    assert "sex" not in locked


def test_without_a_verified_identity_nothing_is_locked() -> None:
    assert services.locked_answers(SCHEMA, None) == {}
