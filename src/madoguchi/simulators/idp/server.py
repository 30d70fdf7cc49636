"""Authlib wiring of the simulated Digital Authentication App service (OpenID Connect).

The real service is Keycloak (realm ``main``) and accepts only: the authorization code
flow, PKCE with S256 for every client, ``state`` and ``nonce`` on every request,
``private_key_jwt`` at the token endpoint, ES256 id_tokens. Authlib enforces the
standards; the classes below add the service's stricter rules where Authlib's
defaults are looser:

- ``StrictPKCE``: Authlib's ``CodeChallenge(required=True)`` only forces PKCE on public
  clients, and accepts ``plain``.
- ``DARequestRules``: ``state`` required, the VSCHAR syntax of ``state``/``nonce``,
  ``openid`` required, ``sign`` only with an open ``sign_transaction_id`` of the same
  client, no request objects.
- ``DAClientCredentialsGrant``: client credentials (``private_key_jwt``) for scope
  ``sign`` only: the token that starts sign transactions.
- ``PrivateKeyJWT``: Authlib calls the method ``client_assertion_jwt`` by default; the
  ``jti`` replay cache and the one-day limit on an assertion's lifetime.
- ``DAUserInfo``: the service's scopes map one-to-one to claims; Authlib's default
  mapping would put ``name``/``gender``/``birthdate`` under ``profile`` and drop them.

A server is built per request (:func:`server_for`) because the issuer comes from the
request's host and port (see :mod:`.discovery`).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.integrations.django_oauth2 import (
    AuthorizationServer,
    BearerTokenValidator,
    ResourceProtector,
)
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    grants,
    scope_to_list,
)
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from django.http import HttpRequest, HttpResponse
from joserfc.jwk import ECKey, KeySet

from . import selectors, services
from .claims import AuthenticatedResident, basic_four_items
from .discovery import SCOPES, Endpoints, endpoints_for
from .keys import ALGORITHM, current_signing_key
from .models import AccessToken, AuthorizationCode, RelyingParty
from .residents import get_resident
from .services import SIGN_SCOPE

__all__ = [
    "DAAuthorizationCodeGrant",
    "DAAuthorizationServer",
    "DAClientCredentialsGrant",
    "server_for",
]

logger = logging.getLogger("madoguchi.simulators.idp")

ACCESS_TOKEN_LIFETIME = 300  # seconds; Keycloak's default
ID_TOKEN_LIFETIME = 300
ASSERTION_MAX_LIFETIME = 24 * 60 * 60
ASSERTION_USUAL_LIFETIME = 5 * 60
# RFC 6749 VSCHAR, 1 to 255 characters: the service's rule for state and nonce.
_VSCHAR = re.compile(r"\A[\x20-\x7e]{1,255}\Z")
# The service's rule for code_challenge; an S256 challenge is always 43 of these.
_CODE_CHALLENGE = re.compile(r"\A[0-9A-Za-z_-]{1,128}\Z")


# --- authorization server -----------------------------------------------------------


class DAAuthorizationServer(AuthorizationServer):
    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        super().__init__(RelyingParty, AccessToken)

    def load_config(self, config: dict[str, Any]) -> None:
        # The simulator's behaviour is fixed by the service it imitates, not by settings.
        super().load_config(
            {
                "scopes_supported": list(SCOPES),
                "token_expires_in": {
                    "authorization_code": ACCESS_TOKEN_LIFETIME,
                    "client_credentials": ACCESS_TOKEN_LIFETIME,
                },
            }
        )

    def query_client(self, client_id: object) -> RelyingParty | None:
        return selectors.relying_party(client_id) if isinstance(client_id, str) else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> AccessToken:
        user = request.user
        return services.record_access_token(
            access_token=token["access_token"],
            client=request.client,
            # A client credentials token acts for the relying party, not for a resident.
            resident_id=user.resident.id if user is not None else "",
            scope=token.get("scope", ""),
            expires_in=token["expires_in"],
            authorization_code=getattr(request, "authorization_code", None),
        )

    def handle_response(
        self, status_code: int, payload: Any, headers: list[tuple[str, str]]
    ) -> HttpResponse:
        # RFC 9207: every authorization response, errors included, names the issuer.
        headers = [
            (name, add_params_to_uri(value, [("iss", self.endpoints.issuer)]))
            if name == "Location"
            else (name, value)
            for name, value in headers
        ]
        response: HttpResponse = super().handle_response(status_code, payload, headers)
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None  # nothing listens; Django signals would only cost time


class DAAuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]

    def create_authorization_response(
        self, redirect_uri: str, grant_user: AuthenticatedResident | None
    ) -> tuple[int, str, list[tuple[str, str]]]:
        # Keycloak adds its user-session id; relying parties written for it expect it.
        session_state = str(uuid.uuid4())
        self.request.session_state = session_state
        status, body, headers = super().create_authorization_response(redirect_uri, grant_user)
        headers = [
            (name, add_params_to_uri(value, [("session_state", session_state)]))
            if name == "Location"
            else (name, value)
            for name, value in headers
        ]
        return status, body, headers

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        requested_acr = scope_to_list(data.get("acr_values")) or []
        created = services.create_authorization_code(
            code=code,
            client=request.client,
            resident_id=request.user.resident.id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            nonce=data["nonce"],
            acr="aal3" if "aal3" in requested_acr else "",
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            session_state=getattr(request, "session_state", None),
        )
        if SIGN_SCOPE in (scope_to_list(request.scope) or []):
            services.link_sign_transaction(
                transaction_id=str(data.get("sign_transaction_id", "")), code=created
            )

    def query_authorization_code(self, code: str, client: RelyingParty) -> AuthorizationCode | None:
        return services.consume_authorization_code(code=code, client=client)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: the code was consumed when it was looked up, and is kept so
        that a replay can be recognised and the tokens issued from it revoked."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> AuthenticatedResident:
        return AuthenticatedResident(
            get_resident(authorization_code.resident_id), self.request.client.client_id
        )


class DARequestRules:
    """The service's rules for an authorization request beyond RFC 6749 and OIDC."""

    def __call__(self, grant: DAAuthorizationCodeGrant) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.validate)

    def validate(self, grant: DAAuthorizationCodeGrant, redirect_uri: str) -> None:
        payload = grant.request.payload
        scopes = scope_to_list(payload.scope) or []
        if "openid" not in scopes:
            raise InvalidScopeError("The 'openid' scope is required.")
        if SIGN_SCOPE in scopes:
            transaction_id = payload.data.get("sign_transaction_id")
            if not transaction_id:
                raise InvalidRequestError("The 'sign' scope needs 'sign_transaction_id'.")
            if (
                services.open_sign_transaction(
                    client=grant.request.client, transaction_id=str(transaction_id)
                )
                is None
            ):
                raise InvalidRequestError("Unknown, expired or completed 'sign_transaction_id'.")
        elif "sign_transaction_id" in payload.data:
            raise InvalidRequestError("'sign_transaction_id' needs the 'sign' scope.")
        for name in ("state", "nonce"):
            values = payload.datalist.get(name, [])
            if not values or not values[0]:
                raise InvalidRequestError(f"Missing '{name}' in request.")
            if len(values) > 1:
                raise InvalidRequestError(f"Multiple '{name}' in request.")
            if not _VSCHAR.match(values[0]):
                raise InvalidRequestError(f"'{name}' must be 1 to 255 printable ASCII characters.")
        for name in ("request", "request_uri"):
            if name in payload.data:
                raise InvalidRequestError(f"The '{name}' parameter is not supported.")
        if payload.data.get("response_mode", "query") != "query":
            raise InvalidRequestError("Only response_mode=query is supported.")


class DAClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Client credentials for the sign API: ``private_key_jwt``, scope ``sign`` only."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["private_key_jwt"]

    def validate_token_request(self) -> None:
        if (scope_to_list(self.request.payload.scope) or []) != [SIGN_SCOPE]:
            raise InvalidScopeError("Client credentials are issued for scope 'sign' only.")
        super().validate_token_request()


class StrictPKCE(CodeChallenge):
    """PKCE with S256 for every client, confidential ones included."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: DAAuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        if not challenge:
            raise InvalidRequestError("Missing 'code_challenge': PKCE with S256 is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        if not _CODE_CHALLENGE.match(challenge):
            raise InvalidRequestError("Invalid 'code_challenge'.")
        super().validate_code_challenge(grant, redirect_uri)


class DAOpenIDCode(OpenIDCode):
    """id_tokens: ES256 with the current key, ``aud`` a list, ``azp``, 300 seconds."""

    def __init__(self, *, issuer: str) -> None:
        super().__init__(require_nonce=True)
        self.issuer = issuer
        self._key: ECKey | None = None

    def _signing_key(self) -> ECKey:
        # One lookup per request, so the header's kid and the signature always agree.
        if self._key is None:
            self._key = current_signing_key()
        return self._key

    def resolve_client_private_key(self, client: RelyingParty) -> ECKey:
        return self._signing_key()

    def get_client_algorithm(self, client: RelyingParty) -> str:
        return ALGORITHM

    def get_encode_header(self, client: RelyingParty) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": str(self._signing_key().kid)}

    def get_client_claims(self, client: RelyingParty) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": [client.client_id],
            "azp": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
        }

    def get_authorization_code_claims(
        self, authorization_code: AuthorizationCode
    ) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = authorization_code.session_state
        return claims

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return selectors.nonce_used(client_id=request.payload.client_id, nonce=nonce)

    def generate_user_info(self, user: AuthenticatedResident, scope: str) -> UserInfo:
        # The basic four items come from the UserInfo endpoint, not the id_token.
        return UserInfo(sub=user.sub)


class PrivateKeyJWT(JWTBearerClientAssertion):
    """``private_key_jwt`` (RFC 7523): iss = sub = client_id, aud = token URL or issuer."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, *, audiences: list[str]) -> None:
        super().__init__(validate_jti=True, leeway=60)
        self._audiences = audiences

    def __call__(self, query_client: Any, request: OAuth2Request) -> RelyingParty | None:
        client: RelyingParty | None = super().__call__(query_client, request)
        # RFC 7521 §4.2: a client_id sent alongside the assertion must name the same client.
        client_id = request.form.get("client_id")
        if client is not None and client_id is not None and client_id != client.client_id:
            raise InvalidClientError(description="'client_id' does not match the assertion.")
        return client

    def get_audiences(self) -> list[str]:
        return list(self._audiences)

    def resolve_client_public_key(self, client: RelyingParty) -> KeySet:
        return KeySet.import_key_set(client.jwks)

    def verify_claims(self, claims: dict[str, Any]) -> None:
        exp = claims.get("exp")
        lifetime = exp - time.time() if isinstance(exp, int | float) else 0
        if lifetime > ASSERTION_MAX_LIFETIME + self.leeway:
            raise InvalidClientError(description="The client assertion must expire within 1 day.")
        super().verify_claims(claims)
        if lifetime > ASSERTION_USUAL_LIFETIME:
            logger.info(
                "devidp: client assertion of %s lives %d s; the real service's samples use "
                "at most 5 minutes",
                claims.get("sub"),
                lifetime,
            )

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return services.record_assertion_jti(
            client_id=str(claims["sub"]),
            jti=jti,
            expires_at=datetime.fromtimestamp(float(claims["exp"]), tz=UTC),
        )


# --- UserInfo -----------------------------------------------------------------------


class DAUserInfo(UserInfo):
    SCOPES_CLAIMS_MAPPING = {
        "openid": ["sub"],
        "name": ["name"],
        "address": ["address"],
        "birthdate": ["birthdate"],
        "gender": ["gender"],
    }


class DAUserInfoEndpoint(UserInfoEndpoint):
    def __init__(self, *, issuer: str, resource_protector: ResourceProtector) -> None:
        super().__init__(resource_protector=resource_protector)
        self.issuer = issuer

    def generate_user_info(self, user: AuthenticatedResident, scope: str) -> UserInfo:
        return DAUserInfo(sub=user.sub, **basic_four_items(user.resident)).filter(scope)

    def get_issuer(self) -> str:
        return self.issuer


class DABearerTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> AccessToken | None:
        token = selectors.access_token(token_string)
        # UserInfo is about a resident: a client credentials token has none.
        return token if token is not None and token.resident_id else None


class RequestResourceProtector(ResourceProtector):
    """Authlib's ``UserInfoEndpoint`` calls ``acquire_token(scopes)`` the Flask way (the
    request is global there); Django's ``ResourceProtector`` wants the request first.
    This protector is made for one request and supplies it."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__()
        self._request = request
        self.register_token_validator(DABearerTokenValidator(AccessToken))

    def acquire_token(self, scopes: Any = None, **kwargs: Any) -> AccessToken:
        token: AccessToken = super().acquire_token(self._request, scopes, **kwargs)
        return token


def server_for(request: HttpRequest) -> DAAuthorizationServer:
    """The authorization server for this request's host (which is part of the issuer)."""
    endpoints = endpoints_for(request)
    server = DAAuthorizationServer(endpoints)
    server.register_client_auth_method(
        PrivateKeyJWT.CLIENT_AUTH_METHOD,
        PrivateKeyJWT(audiences=[endpoints.token, endpoints.issuer]),
    )
    server.register_grant(
        DAAuthorizationCodeGrant,
        [DARequestRules(), StrictPKCE(required=True), DAOpenIDCode(issuer=endpoints.issuer)],
    )
    server.register_grant(DAClientCredentialsGrant)
    server.register_endpoint(
        DAUserInfoEndpoint(
            issuer=endpoints.issuer, resource_protector=RequestResourceProtector(request)
        )
    )
    return server
