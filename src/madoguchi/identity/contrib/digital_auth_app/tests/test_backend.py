"""The Digital Authentication App's claims become the basic four items."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.identity import registry
from madoguchi.identity.base import ClaimsUnusable
from madoguchi.identity.contrib.digital_auth_app.backend import DigitalAuthenticationApp


def test_the_backend_is_registered_under_the_name_stored_in_the_database() -> None:
    assert isinstance(registry.backend("digital_auth_app"), DigitalAuthenticationApp)


def test_the_services_claims_become_the_basic_four_items() -> None:
    claims = {
        "sub": "x",
        "name": "髙橋 﨑子",
        "address": "兵庫県神戸市中央区加納町6丁目5番1号",
        "birthdate": "19850315",
        "gender": "2",
    }

    items = registry.backend("digital_auth_app").basic_four(claims, {})

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

    items = registry.backend("digital_auth_app").basic_four(claims, {})

    assert items["address"] == "石川県加賀市"
    assert items["birth_date"] == "1975-04-01"
    assert items["sex"] == "male"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_any_birth_date_in_the_services_format_reads_back_exactly(born: date) -> None:
    items = registry.backend("digital_auth_app").basic_four(
        {"birthdate": born.strftime("%Y%m%d")}, {}
    )

    assert items["birth_date"] == born.isoformat()


@pytest.mark.parametrize("claims", [{"birthdate": "1985-13-45"}, {"gender": "9"}])
def test_claims_that_cannot_be_read_are_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(ClaimsUnusable) as refused:
        registry.backend("digital_auth_app").basic_four(claims, {})

    assert refused.value.code == "claims_unusable"
