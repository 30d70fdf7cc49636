"""OAuth 2.0 client credentials (RFC 6749 §4.4) for the system API: the token endpoint, client
authentication and the bearer-token check.

Authlib's authorization server does the protocol (grant_type, client_secret_basic and
client_secret_post, RFC 6749 §5.2 errors, ``Cache-Control: no-store``); this module plugs our
tables into it. A client may hold two live secrets while one is rotated (ClientSecret), so the
secret check asks the table rather than comparing one stored value.

Tokens are opaque (256 random bits), live ``TOKEN_SECONDS`` and are kept as SHA-256 only.
Scopes: ``read`` (list, fetch, acknowledge) and ``read_status`` (also set the status); a
``read_status`` client's token carries both unless it asked for less.

Errors keep RFC 6749 §5.2's ``error`` codes and say what to fix. ``error_description`` stays in
English: §5.2 allows only printable ASCII there (and in the ``WWW-Authenticate`` header), and
OAuth libraries show it as it is. The same advice in the caller's language (Accept-Language,
Japanese by default like the rest of the system API) is in ``message``, the member the system
API's other errors use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InsecureTransportError,
    InvalidScopeError,
    OAuth2Error,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from madoguchi.core import events

from .models import AccessToken, ClientScope, ClientSecret, SystemClient

TOKEN_SECONDS = 600
SCOPES = ("read", "read_status")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def token_scopes(scope: str) -> list[str]:
    """The scopes a client of ``scope`` (a ClientScope value) may ask for."""
    return ["read", "read_status"] if scope == ClientScope.READ_STATUS else ["read"]


def live_secrets(client: SystemClient) -> Any:
    """The secrets of ``client`` that authenticate now (a QuerySet)."""
    now = timezone.now()
    return ClientSecret.objects.filter(client=client, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


class OAuthClient(ClientMixin):
    """A SystemClient as Authlib asks about it: confidential, client credentials only."""

    def __init__(self, client: SystemClient) -> None:
        self.client = client

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = token_scopes(self.client.scope)
        if not scope:
            return " ".join(allowed)
        return " ".join(s for s in allowed if s in scope_to_list(scope))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        # 256-bit random secrets: a lookup by their SHA-256 leaks nothing usable by timing.
        return bool(live_secrets(self.client).filter(secret_hash=digest(client_secret)).exists())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class Grant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)


class Server(AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(SystemClient, AccessToken)
        self.scopes_supported = list(SCOPES)
        self.register_grant(Grant)
        self.register_token_generator("default", self._generate)

    def query_client(self, client_id: str) -> OAuthClient | None:
        # A revoked client is unknown: invalid_client, like a wrong secret.
        client = (
            SystemClient.objects.filter(client_id=client_id, revoked_at__isnull=True)
            .select_related("municipality")
            .first()
        )
        return OAuthClient(client) if client is not None else None

    def _generate(
        self,
        grant_type: str,
        client: OAuthClient,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = False,
    ) -> dict[str, Any]:
        granted = client.get_allowed_scope(scope)
        if not granted:
            raise InvalidScopeError()
        return {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": granted,
        }

    def save_token(self, token: dict[str, Any], request: Any) -> AccessToken:
        now = timezone.now()
        granted = scope_to_list(token["scope"])
        return AccessToken.objects.create(
            client=request.client.client,
            token_hash=digest(token["access_token"]),
            scope=ClientScope.READ_STATUS if "read_status" in granted else ClientScope.READ,
            issued_at=now,
            expires_at=now + timedelta(seconds=TOKEN_SECONDS),
        )

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No Django signals: nothing listens, and the ledger is not told of tokens."""

    def handle_error_response(self, request: Any, error: OAuth2Error) -> HttpResponse:
        """Authlib's §5.2 error with our advice: ``error_description`` in English (ASCII, as
        §5.2 requires; also in ``WWW-Authenticate``), ``message`` in the caller's language."""
        client = getattr(request, "client", None)
        presented = bool(request.headers.get("Authorization") or request.payload.client_id)
        scopes = token_scopes(client.client.scope) if client is not None else None
        with translation.override("en"):
            error.description = error_advice(str(error.error), scopes=scopes, presented=presented)
        status, body, headers = error(self.get_error_uri(request, error))
        body["message"] = error_advice(str(error.error), scopes=scopes, presented=presented)
        response: HttpResponse = self.handle_response(status, body, headers)
        return response


server = Server()


def basic_client_id(request: HttpRequest) -> str:
    """The client_id in an HTTP Basic header, for counting requests per client ("" if none)."""
    scheme, _, value = str(request.headers.get("Authorization", "")).partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""
    return unquote(decoded.partition(":")[0])


# Not an RFC 6749 code: the advice for a request over plain HTTP (sent as invalid_request).
PLAIN_HTTP = "plain_http"


def error_advice(code: str, *, scopes: list[str] | None = None, presented: bool = True) -> str:
    """What to fix for an RFC 6749 §5.2 ``code``, in the active language (English is ASCII).

    ``scopes``: what the client may ask for, once it is known; ``presented``: whether any
    client credentials came with the request."""
    if code == "invalid_client" and not presented:
        return _(
            "Send the client ID and secret: with HTTP Basic (client_secret_basic), or as "
            "the form fields client_id and client_secret (client_secret_post)."
        )
    if code == "invalid_scope" and scopes:
        return _(
            "This client may not ask for that scope. Ask for %(scopes)s, or leave scope out "
            "to get every scope the client was registered with."
        ) % {"scopes": " ".join(scopes)}
    advice = {
        PLAIN_HTTP: _(
            "Use HTTPS for the token endpoint: plain HTTP is taken from this machine only."
        ),
        "invalid_client": _(
            "The client ID or secret is wrong, or the city revoked the secret or the client. "
            "Check both, or ask the city's administrator for a new secret."
        ),
        "invalid_scope": _(
            "Ask for the scope read or read_status, or leave scope out to get every scope the "
            "client was registered with."
        ),
        "unsupported_grant_type": _(
            "Send grant_type=client_credentials: it is the only grant this endpoint takes."
        ),
        "unauthorized_client": _("This client may only use grant_type=client_credentials."),
        "invalid_request": _(
            "The request is malformed. Send a form-encoded POST with "
            "grant_type=client_credentials and the client's credentials."
        ),
    }
    return advice.get(
        code,
        _("The token request was refused. See docs/integration.md for how to ask for a token."),
    )


def token_response(request: HttpRequest) -> HttpResponse:
    """The token endpoint's answer (200 with the token, or the RFC 6749 §5.2 error)."""
    try:
        response: HttpResponse = server.create_token_response(request)
    except InsecureTransportError:
        # Authlib's rule (RFC 6749 §3.2): HTTPS, or plain HTTP on loopback only.
        with translation.override("en"):
            description = error_advice(PLAIN_HTTP)
        body = {
            "error": "invalid_request",
            "error_description": description,
            "message": error_advice(PLAIN_HTTP),
        }
        response = HttpResponse(json.dumps(body, ensure_ascii=False), status=400)
        response["Cache-Control"] = "no-store"
    response["Content-Type"] = "application/json"
    return response


@dataclass(frozen=True)
class Caller:
    """Who a valid bearer token speaks for."""

    client: SystemClient
    scope: str

    def may(self, needed: str) -> bool:
        return needed in token_scopes(self.scope)

    @property
    def actor(self) -> str:
        """The ledger's actor for this client (a pseudonym of its client_id)."""
        return events.pseudonym("system_client", self.client.client_id)


def caller_for(token: str) -> Caller | None:
    """The client a bearer token was issued to, if the token is live and the client is not
    revoked; None otherwise (unknown, expired, revoked)."""
    if not token or len(token) > 200:
        return None
    found = (
        AccessToken.objects.filter(
            token_hash=digest(token),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            client__revoked_at__isnull=True,
        )
        .select_related("client__municipality")
        .first()
    )
    return Caller(found.client, found.scope) if found is not None else None
