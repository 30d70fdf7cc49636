"""Identity provider plugins: each knows one provider family's scopes and claim formats.

Adding a provider family is a new class and one ``@register("name")`` line; the OIDC
protocol itself (:mod:`madoguchi.identity.oidc`) is shared by all of them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.wareki import parse_date

BasicFour = dict[str, str]


class ClaimsUnusable(ValueError):
    """The provider answered, but not with claims we can trust to fill a form."""


class ProviderPlugin(ABC):
    """Turns a provider's userinfo claims into the basic four items (基本4情報)."""

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
    def basic_four(self, claims: Mapping[str, Any], mapping: Mapping[str, str]) -> BasicFour:
        """The basic four items these claims prove; raises ClaimsUnusable."""


_plugins: dict[str, ProviderPlugin] = {}


def register(name: str) -> Callable[[type[ProviderPlugin]], type[ProviderPlugin]]:
    def decorator(cls: type[ProviderPlugin]) -> type[ProviderPlugin]:
        _plugins[name] = cls()
        return cls

    return decorator


def plugin(name: str) -> ProviderPlugin:
    try:
        return _plugins[name]
    except KeyError as error:
        raise LookupError(f"no identity provider plugin named {name!r}") from error


def plugin_names() -> list[str]:
    return sorted(_plugins)


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


def _normalise(raw: Mapping[str, Any]) -> BasicFour:
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


@register("digital_auth_app")
class DigitalAuthenticationApp(ProviderPlugin):
    """The Digital Agency's デジタル認証アプリ service API.

    Basic four items come from userinfo as top-level strings: ``name``, ``address``,
    ``birthdate`` (YYYYMMDD) and ``gender`` ("1" male, "2" female, "3" other). The OIDC
    forms (YYYY-MM-DD, "male", an address object) are accepted too, since the public
    documentation does not pin the format down (docs/identity.md).
    """

    default_scopes = "openid name address birthdate gender"
    default_acr_values = "aal3 crl"
    # The service verifies client assertions signed with RS256 (docs/identity.md).
    client_key_types = frozenset({"RSA"})

    def card_acr_values(self, configured: str) -> frozenset[str]:
        # "aal3" is the card's authentication (AAL3); "crl" in acr_values asks for the
        # revocation check and is not an authentication level the id_token states.
        return frozenset({"aal3"})

    def basic_four(self, claims: Mapping[str, Any], mapping: Mapping[str, str]) -> BasicFour:
        return _normalise(
            {
                "name": claims.get("name"),
                "address": claims.get("address"),
                "birth_date": claims.get("birthdate"),
                "sex": claims.get("gender"),
            }
        )


def _claim_at(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@register("oidc")
class GenericOIDC(ProviderPlugin):
    """Any OpenID Connect provider (an xID-like app, a city's own IdP).

    ``claim_mapping`` maps ``name``, ``address``, ``birth_date`` and ``sex`` to claim
    paths; the default is standard OIDC (``name``, ``address.formatted``, ``birthdate``,
    ``gender``).
    """

    default_scopes = "openid profile address"
    DEFAULT_MAPPING: ClassVar[dict[str, str]] = {
        "name": "name",
        "address": "address",
        "birth_date": "birthdate",
        "sex": "gender",
    }

    def basic_four(self, claims: Mapping[str, Any], mapping: Mapping[str, str]) -> BasicFour:
        paths = {**self.DEFAULT_MAPPING, **mapping}
        return _normalise({item: _claim_at(claims, path) for item, path in paths.items()})
