"""Where the simulated service lives and what it offers (OpenID Provider Metadata).

The issuer comes from the request's scheme, host and port, so the simulator works on
any ``runserver`` or ``live_server`` address without configuration. The paths are
the real service's (Keycloak realm ``main`` behind ``/api``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .claims import BASIC_FOUR_SCOPES
from .keys import ALGORITHM

__all__ = ["ACR_VALUES", "SCOPES", "Endpoints", "endpoints_for", "provider_metadata"]

SCOPES = ("openid", *BASIC_FOUR_SCOPES, "sign")
ACR_VALUES = ("aal3", "crl")


@dataclass(frozen=True)
class Endpoints:
    """Absolute URLs of the simulated service, as seen by the current request."""

    issuer: str
    authorization: str
    token: str
    userinfo: str
    jwks: str


def endpoints_for(request: HttpRequest) -> Endpoints:
    def absolute(name: str) -> str:
        return request.build_absolute_uri(reverse(f"devidp:{name}"))

    return Endpoints(
        issuer=absolute("realm"),
        authorization=absolute("authorize"),
        token=absolute("token"),
        userinfo=absolute("userinfo"),
        jwks=absolute("certs"),
    )


def provider_metadata(endpoints: Endpoints) -> dict[str, Any]:
    """The OpenID Provider Metadata served at ``{issuer}/.well-known/openid-configuration``."""
    return {
        "issuer": endpoints.issuer,
        "authorization_endpoint": endpoints.authorization,
        "token_endpoint": endpoints.token,
        "userinfo_endpoint": endpoints.userinfo,
        "jwks_uri": endpoints.jwks,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(SCOPES),
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "azp",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "acr",
            "at_hash",
            "sid",
            *BASIC_FOUR_SCOPES,
        ],
        "acr_values_supported": list(ACR_VALUES),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }
