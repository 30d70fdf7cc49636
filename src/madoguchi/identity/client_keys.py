"""The relying party's own signing keys for ``private_key_jwt``: which ones a provider accepts.

The Digital Authentication App service registers one public key per relying party (the
テスト環境・本番環境設定書 names its JWKS) and its public guidance and RP samples sign client
assertions with RS256 only, so ``digital_auth_app`` providers take an RSA key of at least
2048 bits. Generic OIDC providers may also take an EC P-256 key (ES256). Anything else is
refused when the provider is configured, so a key the provider would reject never reaches
the database, and one unusable key never hides the others (see :func:`public_jwks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from madoguchi.core.refusals import Refused

from . import registry

RSA_MIN_BITS = 2048
# Key type -> the one algorithm its client assertions are signed with.
ALGORITHMS = {"RSA": "RS256", "EC": "ES256"}
EC_CURVE = "P-256"


class ClientKeyRefused(Refused, ValueError):
    """This key cannot sign client assertions for this kind of provider; says why."""

    code = "client_key_refused"


def _parsed(jwk: Mapping[str, Any]) -> RSAKey | ECKey:
    kty = jwk.get("kty")
    try:
        if kty == "RSA":
            return RSAKey.import_key(dict(jwk))
        return ECKey.import_key(dict(jwk))
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ClientKeyRefused(
            f"the {kty} JWK cannot be read ({type(error).__name__}); export the key again"
        ) from error


def check(jwk: Any, *, kind: str) -> None:
    """Raise :class:`ClientKeyRefused` unless ``jwk`` is a private key this kind accepts."""
    allowed = registry.backend(kind).client_key_types
    if not isinstance(jwk, Mapping):
        raise ClientKeyRefused("the key file must hold one JWK (a JSON object)")
    kty = jwk.get("kty")
    if kty not in allowed:
        names = " or ".join(f"{t} ({ALGORITHMS[t]})" for t in sorted(allowed))
        raise ClientKeyRefused(f"a {kind} provider needs an {names} key, not kty={kty!r}")
    if not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
        raise ClientKeyRefused("the JWK has no kid; add one, the provider picks the key by it")
    if jwk.get("use", "sig") != "sig":
        raise ClientKeyRefused("the JWK is not a signing key; set use to sig")
    if jwk.get("alg", ALGORITHMS[kty]) != ALGORITHMS[kty]:
        raise ClientKeyRefused(f"a {kty} client key signs with {ALGORITHMS[kty]} only")
    if "d" not in jwk:
        raise ClientKeyRefused(f"this {kty} JWK is a public key; give the private JWK (with d)")
    key = _parsed(jwk)
    if isinstance(key, RSAKey):
        bits = key.public_key.key_size
        if bits < RSA_MIN_BITS:
            raise ClientKeyRefused(f"an RSA key of {bits} bits; use at least {RSA_MIN_BITS}")
    elif key.curve_name != EC_CURVE:
        raise ClientKeyRefused(f"an EC key on {key.curve_name}; use {EC_CURVE} (ES256)")


def algorithm(jwk: Mapping[str, Any]) -> str:
    return ALGORITHMS[str(jwk.get("kty"))]


def public_jwk(jwk: Mapping[str, Any], *, kind: str) -> dict[str, Any]:
    """The public half of a checked key, to register with the provider."""
    check(jwk, kind=kind)
    public = dict(_parsed(jwk).as_dict(private=False))
    public.setdefault("alg", algorithm(jwk))
    public.setdefault("use", "sig")
    return public
