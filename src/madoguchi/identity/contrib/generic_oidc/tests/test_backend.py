"""A generic OpenID Connect provider's claims, mapped as the city configured them."""

from __future__ import annotations

from madoguchi.identity import registry
from madoguchi.identity.contrib.generic_oidc.backend import GenericOIDC


def test_the_backend_keeps_the_name_oidc_stored_in_the_database() -> None:
    assert isinstance(registry.backend("oidc"), GenericOIDC)


def test_a_generic_provider_maps_claims_as_configured() -> None:
    claims = {"profile": {"kanji_name": "加賀 花子", "dob": "1990-01-02"}, "gender": "2"}
    mapping = {"name": "profile.kanji_name", "birth_date": "profile.dob"}

    items = registry.backend("oidc").basic_four(claims, mapping)

    assert items == {"name": "加賀 花子", "birth_date": "1990-01-02", "sex": "female"}


def test_without_a_mapping_the_standard_claims_are_read() -> None:
    claims = {"name": "加賀 太郎", "address": {"formatted": "石川県加賀市"}, "gender": "male"}

    items = registry.backend("oidc").basic_four(claims, {})

    assert items == {"name": "加賀 太郎", "address": "石川県加賀市", "sex": "male"}
