"""What an identity provider backend must do, and helpers backends share.

A backend knows one provider family (the Digital Authentication App, any OpenID Connect
provider …): the scopes and ``acr_values`` to ask for, the key types its client assertions
may use, which ``acr`` values prove a My Number Card login, and how its userinfo claims
become the basic four items (基本4情報). The OIDC protocol itself is shared by all of them
(:mod:`madoguchi.identity.oidc`). Backends are looked up by ``name``, the value stored in
``IdentityProvider.kind`` (:mod:`madoguchi.identity.registry`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.wareki import parse_date

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# name, address, birth_date (ISO), sex: the keys VerifiedIdentity.basic_four holds.
BasicFour = dict[str, str]
# Basic-four-item name -> claim path ("address.formatted"), configured per provider.
ClaimMapping = Mapping[str, str]


class ClaimsUnusable(Refused, ValueError):
    """The provider answered, but not with claims we can trust to fill a form."""

    code = "claims_unusable"
    default_message = _(
        "The identity provider did not send your details in a form we can use. "
        "Please try again later or apply at the city office."
    )


class IdentityBackend(ABC):
    """Turns a provider's userinfo claims into the basic four items (基本4情報).

    Options are class attributes, typed here, so a backend states them once:
    ``name`` (stable: stored in the database), ``label`` (for staff), the default scopes
    and ``acr_values`` a new provider of this family starts with, and the JWK key types
    our ``private_key_jwt`` client assertions may use with it.
    """

    name: ClassVar[str]
    label: ClassVar[StrOrPromise]
    default_scopes: ClassVar[str] = "openid"
    default_acr_values: ClassVar[str] = ""
    # Key types (JWK kty) our private_key_jwt client assertions may use with this family.
    client_key_types: ClassVar[frozenset[str]] = frozenset({"RSA", "EC"})

    def card_acr_values(self, configured: str) -> frozenset[str]:
        """The ``acr`` values that prove a My Number Card login with this provider.

        By default the values the city configured to request (``acr_values``); empty
        when none are configured (the provider's assurance is then taken on trust).
        """
        return frozenset(configured.split())

    @abstractmethod
    def basic_four(self, claims: Mapping[str, Any], mapping: ClaimMapping) -> BasicFour:
        """The basic four items these claims prove; raises :class:`ClaimsUnusable`."""


# --- helpers for backends: claims in the forms providers send them -> BasicFour ---------


def _birth_date(value: Any) -> str:
    """YYYYMMDD (the service's format), YYYY-MM-DD (OIDC) or 和暦 → ISO date."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    try:
        return parse_date(text).isoformat()
    except InvalidJapaneseInput as error:
        raise ClaimsUnusable(f"birthdate not understood ({error.code})") from error


_SEX_CODES = {"1": "male", "2": "female", "3": "other", "male": "male", "female": "female"}


def _sex(value: Any) -> str:
    code = str(value or "").strip().lower()
    if code not in _SEX_CODES and code != "other":
        raise ClaimsUnusable("gender not understood")
    return _SEX_CODES.get(code, "other")


def _address(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("formatted", "")
    return str(value or "").strip()


def normalise(raw: Mapping[str, Any]) -> BasicFour:
    """The basic four items from raw claim values (name, address, birth_date, sex).

    Missing or empty values are left out; a birth date or sex that cannot be read raises
    :class:`ClaimsUnusable` rather than guessing.
    """
    items: BasicFour = {}
    if raw.get("name"):
        items["name"] = str(raw["name"]).strip()
    if raw.get("address"):
        items["address"] = _address(raw["address"])
    if raw.get("birth_date"):
        items["birth_date"] = _birth_date(raw["birth_date"])
    if raw.get("sex"):
        items["sex"] = _sex(raw["sex"])
    return items


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted ``path`` ("address.formatted"), or None."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
