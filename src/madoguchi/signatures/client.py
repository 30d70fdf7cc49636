"""The relying party's side of the Digital Authentication App sign API.

1. a client credentials token (``private_key_jwt``, scope ``sign``) from the token endpoint;
2. ``POST {service}/api/sign-transactions`` with the SHA-256 digest of the document;
3. (the resident signs through the authorization code flow with ``scope=openid sign``);
4. ``GET {service}/api/sign-transactions/{id}/result`` with that login's access token.

``{service}/api`` is the issuer without ``/realms/main``: ``https://auth-and-sign.go.jp/api``
for the service, ``http://127.0.0.1:8000/devidp/api`` for the simulator. Field names
are assumptions documented in docs/identity.md. Errors are
:class:`madoguchi.identity.oidc.LoginFailed`, each naming the step that failed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import requests

from madoguchi.identity import oidc
from madoguchi.identity.models import IdentityProvider

__all__ = ["SignResult", "client_token", "fetch_result", "sign_api_url", "start_transaction"]

HTTP_TIMEOUT = oidc.HTTP_TIMEOUT
SIGN_SCOPE = "sign"


@dataclass(frozen=True)
class SignResult:
    signature: bytes
    certificate: bytes  # DER


def sign_api_url(provider: IdentityProvider) -> str:
    """``{service}/api/sign-transactions`` for the provider's issuer."""
    issuer = provider.issuer.rstrip("/")
    base, separator, _realm = issuer.rpartition("/realms/")
    if not separator:
        raise oidc.LoginFailed("sign_api", "the issuer is not a realm URL")
    return f"{base}/sign-transactions"


def client_token(provider: IdentityProvider) -> str:
    """An access token for the sign API, by client credentials with ``private_key_jwt``."""
    document = oidc.metadata(provider)
    # The same short-lived client assertion as the code exchange (identity.oidc).
    token_endpoint = document["token_endpoint"]
    session = oidc.client_session(provider, token_endpoint, scope=SIGN_SCOPE)
    try:
        token = session.fetch_token(
            token_endpoint, grant_type="client_credentials", timeout=HTTP_TIMEOUT
        )
    except Exception as error:  # Authlib raises OAuthError; requests its own errors
        raise oidc.LoginFailed("sign_client_token", type(error).__name__) from error
    value = token.get("access_token")
    if not isinstance(value, str) or not value:
        raise oidc.LoginFailed("sign_client_token", "no access token")
    return value


def _json(response: requests.Response, check: str) -> dict[str, Any]:
    try:
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise oidc.LoginFailed(check, f"{response.status_code}: {type(error).__name__}") from error
    if not isinstance(data, dict):
        raise oidc.LoginFailed(check, "not a JSON object")
    return data


def start_transaction(provider: IdentityProvider, *, digest: bytes) -> str:
    """Open a sign transaction for a SHA-256 ``digest``; returns its id."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest is 32 bytes")
    token = client_token(provider)
    try:
        response = requests.post(
            sign_api_url(provider),
            json={
                "digest": base64.b64encode(digest).decode("ascii"),
                "digest_algorithm": "SHA-256",
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        raise oidc.LoginFailed("provider_unreachable", type(error).__name__) from error
    transaction_id = _json(response, "sign_transaction").get("sign_transaction_id")
    if not isinstance(transaction_id, str) or not 0 < len(transaction_id) <= 200:
        raise oidc.LoginFailed("sign_transaction", "no sign_transaction_id")
    return transaction_id


def fetch_result(
    provider: IdentityProvider, *, transaction_id: str, access_token: str
) -> SignResult:
    """The signature and signing certificate, with the signing login's access token."""
    try:
        response = requests.get(
            f"{sign_api_url(provider)}/{requests.utils.quote(transaction_id, safe='')}/result",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as error:
        raise oidc.LoginFailed("provider_unreachable", type(error).__name__) from error
    data = _json(response, "sign_result")
    try:
        return SignResult(
            signature=base64.b64decode(str(data["signature"]), validate=True),
            certificate=base64.b64decode(str(data["certificate"]), validate=True),
        )
    except (KeyError, binascii.Error, ValueError) as error:
        raise oidc.LoginFailed("sign_result", "signature or certificate missing") from error
