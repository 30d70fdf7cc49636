"""The Digital Authentication App's service API: its scopes, acr values and claims."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.identity.base import BasicFour, ClaimMapping, IdentityBackend, normalise


class DigitalAuthenticationApp(IdentityBackend):
    """The Digital Agency's デジタル認証アプリ service API.

    Basic four items come from userinfo as top-level strings: ``name``, ``address``,
    ``birthdate`` (YYYYMMDD) and ``gender`` ("1" male, "2" female, "3" other). The OIDC
    forms (YYYY-MM-DD, "male", an address object) are accepted too, since the public
    documentation does not pin the format down (docs/identity.md).
    """

    name = "digital_auth_app"
    label = _("Digital Authentication App")
    default_scopes = "openid name address birthdate gender"
    default_acr_values = "aal3 crl"
    # The service verifies client assertions signed with RS256 (docs/identity.md).
    client_key_types = frozenset({"RSA"})

    def card_acr_values(self, configured: str) -> frozenset[str]:
        # "aal3" is the card's authentication (AAL3); "crl" in acr_values asks for the
        # revocation check and is not an authentication level the id_token states.
        return frozenset({"aal3"})

    def basic_four(self, claims: Mapping[str, Any], mapping: ClaimMapping) -> BasicFour:
        return normalise(
            {
                "name": claims.get("name"),
                "address": claims.get("address"),
                "birth_date": claims.get("birthdate"),
                "sex": claims.get("gender"),
            }
        )
