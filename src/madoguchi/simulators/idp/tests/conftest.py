"""A relying party written against the simulator the way Madoguchi's own RP talks to the
real service: PKCE S256, state and nonce, private_key_jwt (built with joserfc), and
id_token checks with the published JWKS."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from authlib.oidc.core import CodeIDToken
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jws import JWSRegistry

from madoguchi.simulators.idp import services

# Authlib refuses plain http except on loopback (RFC 8252 §7.3), like the dev server.
HOST = "http://localhost"
ISSUER = f"{HOST}/devidp/api/realms/main"
TOKEN_URL = f"{ISSUER}/protocol/openid-connect/token"
CLIENT_ID = "RP00000001"
REDIRECT_URI = "https://rp.example.lg.jp/identity/callback"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def query(response: Any) -> dict[str, str]:
    """The parameters of a redirect's Location, one value each."""
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class AuthorizationRequest:
    params: dict[str, str]
    code_verifier: str

    @property
    def url(self) -> str:
        return f"{reverse('devidp:authorize')}?{urlencode(self.params)}"


@dataclass
class DemoRelyingParty:
    http: Client
    key: ECKey | RSAKey
    client_id: str = CLIENT_ID
    redirect_uri: str = REDIRECT_URI
    requests: list[AuthorizationRequest] = field(default_factory=list)

    def authorization_request(self, **overrides: str | None) -> AuthorizationRequest:
        verifier = secrets.token_urlsafe(48)
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid name address birthdate gender",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
            "acr_values": "aal3 crl",
            **overrides,
        }
        request = AuthorizationRequest({k: v for k, v in params.items() if v is not None}, verifier)
        self.requests.append(request)
        return request

    def submit_card(
        self,
        request: AuthorizationRequest,
        *,
        resident: str = "kaga-taro",
        pin: str = "1234",
        action: str = "authenticate",
    ) -> Any:
        return self.http.post(request.url, {"resident": resident, "pin": pin, "action": action})

    def login(
        self, resident: str = "kaga-taro", pin: str = "1234", **overrides: str | None
    ) -> tuple[AuthorizationRequest, dict[str, str]]:
        """Authorize through the card page; the parameters the RP's callback receives."""
        request = self.authorization_request(**overrides)
        assert self.http.get(request.url).status_code == 200
        return request, query(self.submit_card(request, resident=resident, pin=pin))

    def assertion(
        self,
        *,
        aud: str = TOKEN_URL,
        lifetime: int = 60,
        issued: int | None = None,
        jti: str | None = None,
        key: ECKey | RSAKey | None = None,
    ) -> str:
        now = int(time.time()) if issued is None else issued
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "jti": jti or secrets.token_urlsafe(24),
            "iat": now,
            "exp": now + lifetime,
        }
        signer = key or self.key
        alg = "RS256" if isinstance(signer, RSAKey) else "ES256"
        return jwt.encode({"alg": alg, "kid": signer.kid}, claims, signer)

    def exchange(
        self,
        code: str,
        request: AuthorizationRequest,
        *,
        code_verifier: str | None = None,
        redirect_uri: str | None = None,
        assertion: str | None = None,
    ) -> Any:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or self.redirect_uri,
            "code_verifier": code_verifier or request.code_verifier,
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion or self.assertion(),
        }
        return self.http.post(reverse("devidp:token"), data)

    def userinfo(self, access_token: str) -> Any:
        return self.http.get(
            reverse("devidp:userinfo"), HTTP_AUTHORIZATION=f"Bearer {access_token}"
        )

    def verify_id_token(
        self, id_token: str, request: AuthorizationRequest, access_token: str
    ) -> CodeIDToken:
        jwks = self.http.get(reverse("devidp:certs")).json()
        token = jwt.decode(
            id_token, KeySet.import_key_set(jwks), registry=JWSRegistry(algorithms=["ES256"])
        )
        claims = CodeIDToken(
            token.claims,
            token.header,
            {"iss": {"essential": True, "values": [ISSUER]}},
            {
                "nonce": request.params["nonce"],
                "client_id": self.client_id,
                "access_token": access_token,
            },
        )
        claims.validate(leeway=60)
        return claims


@pytest.fixture
def rp_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "rp-key-1"})


@pytest.fixture
def http() -> Client:
    return Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def rp(db: None, http: Client, rp_key: ECKey) -> DemoRelyingParty:
    services.register_relying_party(
        client_id=CLIENT_ID,
        name="加賀市 電子申請",
        redirect_uris=[REDIRECT_URI],
        jwks={"keys": [rp_key.as_dict(private=False)]},
    )
    return DemoRelyingParty(http=http, key=rp_key)
