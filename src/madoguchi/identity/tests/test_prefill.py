"""Claims become the basic four items, and those fill (and lock) the marked fields."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.forms.schema import FormSchema
from madoguchi.identity import registry, services
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


def test_the_services_claims_become_the_basic_four_items() -> None:
    claims = {
        "sub": "x",
        "name": "髙橋 﨑子",
        "address": "兵庫県神戸市中央区加納町6丁目5番1号",
        "birthdate": "19850315",
        "gender": "2",
    }

    items = registry.plugin("digital_auth_app").basic_four(claims, {})

    assert items == {
        "name": "髙橋 﨑子",
        "address": "兵庫県神戸市中央区加納町6丁目5番1号",
        "birth_date": "1985-03-15",
        "sex": "female",
    }


def test_standard_oidc_claims_are_understood_too() -> None:
    claims = {
        "name": "加賀 太郎",
        "address": {"formatted": "石川県加賀市"},
        "birthdate": "1975-04-01",
        "gender": "male",
    }

    items = registry.plugin("digital_auth_app").basic_four(claims, {})

    assert items["address"] == "石川県加賀市"
    assert items["birth_date"] == "1975-04-01"
    assert items["sex"] == "male"


def test_a_generic_provider_maps_claims_as_configured() -> None:
    claims = {"profile": {"kanji_name": "加賀 花子", "dob": "1990-01-02"}, "gender": "2"}
    mapping = {"name": "profile.kanji_name", "birth_date": "profile.dob"}

    items = registry.plugin("oidc").basic_four(claims, mapping)

    assert items == {"name": "加賀 花子", "birth_date": "1990-01-02", "sex": "female"}


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_any_birth_date_in_the_services_format_reads_back_exactly(born: date) -> None:
    items = registry.plugin("digital_auth_app").basic_four(
        {"birthdate": born.strftime("%Y%m%d")}, {}
    )

    assert items["birth_date"] == born.isoformat()


@pytest.mark.parametrize("claims", [{"birthdate": "1985-13-45"}, {"gender": "9"}])
def test_claims_that_cannot_be_read_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(registry.ClaimsUnusable):
        registry.plugin("digital_auth_app").basic_four(claims, {})


def test_an_unknown_plugin_is_a_clear_error() -> None:
    with pytest.raises(LookupError):
        registry.plugin("fax")


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
