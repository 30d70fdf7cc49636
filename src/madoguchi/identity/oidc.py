"""The OpenID Connect relying party: authorization code flow with PKCE and private_key_jwt.

Authlib builds the requests and client assertions; joserfc verifies signatures; every
check a relying party owes is made here, in one place, and each failure names itself:
state, issuer (RFC 9207 and the id_token), audience, authorised party, expiry and
issue time (with 60 s skew), nonce, signature with an algorithm allow-list, at_hash,
and the userinfo subject. Codes are single use at the provider; state is single use here.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key
from joserfc.jws import JWSRegistry

from . import client_keys, registry
from .models import Assurance, IdentityProvider

logger = logging.getLogger("madoguchi.identity")

ID_TOKEN_ALGORITHMS = ["ES256", "RS256"]
CLOCK_SKEW = 60
HTTP_TIMEOUT = 10
METADATA_TTL = 600


class LoginFailed(Exception):
    """The login cannot be trusted. ``check`` names the failed check (for logs and tests)."""

    def __init__(self, check: str, detail: str = "") -> None:
        super().__init__(f"{check}: {detail}" if detail else check)
        self.check = check


class TokenRefused(LoginFailed):
    """The token endpoint answered with an OAuth error (RFC 6749 section 5.2)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__("token_refused", error)
        self.error = error
        self.description = description


class AssuranceTooLow(LoginFailed):
    """The provider authenticated the resident, but not at the level the purpose needs."""

    def __init__(self, detail: str) -> None:
        super().__init__("acr", detail)


class ProviderDeclined(Exception):
    """The provider ended the login with an OAuth error (cancelled, card locked, revoked)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class PendingLogin:
    """What the session remembers between the redirect out and the callback."""

    provider_id: int
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    started_at: float
    next_key: str
    # What the login is for: "draft" (prefill an application), or another purpose
    # registered with identity.services.on_login (signing, the resident's page).
    purpose: str = "draft"
    # Purpose-specific values the callback needs, e.g. a sign transaction id.
    extra: dict[str, str] = field(default_factory=dict)
    # The form's identity level the login is for ("none", "account", "mynumber_auth",
    # "mynumber_sign"); "" (logins that are not for a form) counts as the card.
    level: str = ""

    def to_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> PendingLogin:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class LoginResult:
    subject: str
    acr: str
    auth_time: int
    userinfo: dict[str, Any]
    # Kept for calls a purpose makes after login (e.g. fetching a signature result).
    access_token: str = ""


def _get_json(url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, **kwargs)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise LoginFailed("provider_unreachable", f"{url}: {error}") from error
    if not isinstance(data, dict):
        raise LoginFailed("provider_response", url)
    return data


def metadata(provider: IdentityProvider) -> dict[str, Any]:
    """The provider's discovery document, checked to be about the configured issuer."""
    key = f"oidc:metadata:{provider.issuer}"
    document = cache.get(key)
    if document is None:
        document = _get_json(f"{provider.issuer.rstrip('/')}/.well-known/openid-configuration")
        if document.get("issuer") != provider.issuer:
            raise LoginFailed("issuer_mismatch", "discovery document names another issuer")
        cache.set(key, document, METADATA_TTL)
    return dict(document)


def _key_set(provider: IdentityProvider, *, refresh: bool = False) -> KeySet:
    document = metadata(provider)
    key = f"oidc:jwks:{provider.issuer}"
    jwks: dict[str, Any] | None = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(document["jwks_uri"])
        cache.set(key, jwks, METADATA_TTL)
    return KeySet.import_key_set(jwks)  # type: ignore[arg-type]


def authorization_url(
    provider: IdentityProvider,
    *,
    redirect_uri: str,
    next_key: str,
    purpose: str = "draft",
    scope: str | None = None,
    extra_params: Mapping[str, str] | None = None,
    level: str = "",
) -> tuple[str, PendingLogin]:
    """Where to send the resident, and what to remember until they come back.

    ``scope`` replaces the provider's configured scopes (signing asks for ``openid sign``);
    ``extra_params`` go into the authorization request and are remembered for the callback.
    """
    document = metadata(provider)
    verifier = generate_token(64)
    pending = PendingLogin(
        provider_id=provider.pk,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        started_at=time.time(),
        next_key=next_key,
        purpose=purpose,
        extra=dict(extra_params or {}),
        level=level,
    )
    session = OAuth2Session(
        provider.client_id,
        scope=scope or provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    extra = {"acr_values": provider.acr_values} if provider.acr_values else {}
    extra |= dict(extra_params or {})
    url, _state = session.create_authorization_url(
        document["authorization_endpoint"],
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=verifier,
        **extra,
    )
    return url, pending


class _ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """A client assertion valid for 60 s with a fresh jti (Authlib's default is an hour)."""

    def sign(self, auth: Any, token_endpoint: str) -> Any:
        now = int(time.time())
        return private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            claims={"jti": secrets.token_urlsafe(24)},
            header=self.headers,
            alg=self.alg,
            issued_at=now,
            expires_at=now + 60,
        )


def _client_key(provider: IdentityProvider) -> tuple[Any, str]:
    if not provider.client_private_jwk:
        raise LoginFailed("client_key_missing", str(provider))
    try:
        client_keys.check(provider.client_private_jwk, kind=provider.kind)
    except client_keys.ClientKeyRefused as refused:
        logger.error("identity provider=%s has an unusable client key: %s", provider.pk, refused)
        raise LoginFailed("client_key_unusable", str(provider)) from refused
    key = import_key(provider.client_private_jwk)
    return key, client_keys.algorithm(provider.client_private_jwk)


def client_session(provider: IdentityProvider, token_endpoint: str, **kwargs: Any) -> OAuth2Session:
    """A session that authenticates as this relying party with a short-lived private_key_jwt.

    Used for the code exchange and for the client-credentials token of the sign API.
    """
    key, alg = _client_key(provider)
    auth = _ShortLivedPrivateKeyJWT(
        token_endpoint, headers={"kid": provider.client_private_jwk.get("kid", "")}, alg=alg
    )
    return OAuth2Session(
        provider.client_id, client_secret=key, token_endpoint_auth_method=auth, **kwargs
    )


def _exchange_code(
    provider: IdentityProvider, document: Mapping[str, Any], pending: PendingLogin, code: str
) -> dict[str, Any]:
    token_endpoint = document["token_endpoint"]
    session = client_session(provider, token_endpoint, redirect_uri=pending.redirect_uri)
    try:
        token = session.fetch_token(
            token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=pending.code_verifier,
            timeout=HTTP_TIMEOUT,
        )
    except OAuthError as error:
        # The provider's own words, for the operator: error codes and descriptions are
        # about the request (RFC 6749 5.2), never the resident; tokens are not logged.
        refused = TokenRefused(_loggable(error.error), _loggable(error.description))
        logger.warning(
            "identity token request refused by provider=%s: error=%s error_description=%s",
            provider.pk,
            refused.error,
            refused.description or "-",
        )
        raise refused from error
    except Exception as error:  # requests' own errors, a body that is not JSON
        logger.warning(
            "identity token request failed at provider=%s: %s", provider.pk, type(error).__name__
        )
        raise LoginFailed("token_exchange", type(error).__name__) from error
    return dict(token)


def _loggable(value: Any, limit: int = 200) -> str:
    """A provider-supplied string made safe for one log line: printable, bounded."""
    text = "".join(c if c.isprintable() else " " for c in str(value or ""))
    return text[:limit]


# Form identity levels that need the My Number Card ("none" forms use it only to prefill,
# but what it fills is then shown as verified; "" is a login that is not for a form).
CARD_LEVELS = frozenset({"", "none", "mynumber_auth", "mynumber_sign"})


def required_acr(provider: IdentityProvider, level: str) -> frozenset[str]:
    """The ``acr`` values a login for a form at ``level`` must come back with.

    Empty means any. A provider that verifies the My Number Card must always say so
    (its backend names the values, e.g. ``aal3`` for the Digital Authentication App),
    because its identities are shown as 本人確認済み（マイナンバーカード）.
    """
    if provider.assurance == Assurance.MYNUMBER_CARD:
        return registry.backend(provider.kind).card_acr_values(provider.acr_values)
    if level in CARD_LEVELS:
        raise AssuranceTooLow(f"level {level or 'card'} needs a My Number Card provider")
    return frozenset()


def _check_acr(provider: IdentityProvider, pending: PendingLogin, acr: str) -> None:
    required = required_acr(provider, pending.level)
    if required and acr not in required:
        logger.warning(
            "identity login at provider=%s refused: acr=%s, level %s needs one of %s",
            provider.pk,
            _loggable(acr, 50) or "-",
            pending.level or "card",
            " ".join(sorted(required)),
        )
        raise AssuranceTooLow(f"acr {acr!r} is not one of {sorted(required)}")


def _verify_id_token(
    provider: IdentityProvider, pending: PendingLogin, token: Mapping[str, Any]
) -> dict[str, Any]:
    raw = token.get("id_token")
    if not raw:
        raise LoginFailed("id_token_missing")
    registry = JWSRegistry(algorithms=ID_TOKEN_ALGORITHMS)
    try:
        try:
            decoded = jwt.decode(raw, _key_set(provider), registry=registry)
        except JoseError:
            # An unknown kid may mean the provider rotated its keys: fetch them once more.
            decoded = jwt.decode(raw, _key_set(provider, refresh=True), registry=registry)
    except (JoseError, ValueError) as error:
        raise LoginFailed("id_token_signature", type(error).__name__) from error
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": provider.client_id},
            "nonce": {"essential": True},
        },
        {
            "nonce": pending.nonce,
            "client_id": provider.client_id,
            "access_token": token.get("access_token"),
        },
    )
    try:
        claims.validate(leeway=CLOCK_SKEW)
    except JoseError as error:
        raise LoginFailed(
            f"id_token_{getattr(error, 'claim', '') or 'claims'}", str(error)
        ) from error
    issued = claims.get("iat")
    now = time.time()
    if not isinstance(issued, int | float) or issued > now + CLOCK_SKEW:
        raise LoginFailed("id_token_iat", "issued in the future")
    if issued < pending.started_at - CLOCK_SKEW:
        raise LoginFailed("id_token_iat", "issued before this login started")
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise LoginFailed("id_token_azp", "several audiences and no matching azp")
    if claims.get("azp") not in (None, provider.client_id):
        raise LoginFailed("id_token_azp", "issued for another client")
    return dict(claims)


def complete(
    provider: IdentityProvider, pending: PendingLogin, query: Mapping[str, str]
) -> LoginResult:
    """Finish the login from the callback's query parameters, or raise."""
    if not hmac.compare_digest(str(query.get("state", "")), pending.state):
        raise LoginFailed("state", "does not match this browser's login")
    if query.get("error"):
        declined = ProviderDeclined(
            _loggable(query["error"]), _loggable(query.get("error_description", ""))
        )
        logger.info(
            "identity login ended by provider=%s: error=%s error_description=%s",
            provider.pk,
            declined.error,
            declined.description or "-",
        )
        raise declined
    if "iss" in query and query["iss"] != provider.issuer:  # RFC 9207 mix-up defence
        raise LoginFailed("issuer_mismatch", "authorization response from another issuer")
    code = query.get("code")
    if not code:
        raise LoginFailed("code_missing")
    document = metadata(provider)
    token = _exchange_code(provider, document, pending, code)
    id_claims = _verify_id_token(provider, pending, token)
    userinfo = _get_json(
        document["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    if userinfo.get("sub") != id_claims["sub"]:
        raise LoginFailed("userinfo_sub", "userinfo is about another subject")
    acr = str(id_claims.get("acr", ""))
    _check_acr(provider, pending, acr)
    return LoginResult(
        subject=str(id_claims["sub"]),
        acr=acr,
        auth_time=int(id_claims.get("auth_time") or id_claims["iat"]),
        userinfo=userinfo,
        access_token=str(token["access_token"]),
    )
