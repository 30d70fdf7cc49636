"""A small, deliberately misbehaving OpenID provider on loopback, for the RP's negative tests.

It speaks real HTTP and signs real tokens; a test chooses one way for it to lie
(``behaviour``) and checks that the relying party notices. The faithful provider is
devidp; this one exists because devidp never lies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, import_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class FakeOP:
    behaviour: str = "ok"
    client_id: str = "RP172065"
    client_public_jwks: dict[str, Any] = field(default_factory=dict)
    signing_key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", {"kid": "op-1"}))
    issued_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/main"

    def discovery(self) -> dict[str, Any]:
        issuer = (
            "https://elsewhere.example" if self.behaviour == "discovery_issuer" else self.issuer
        )
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{self.base_url}/auth",
            "token_endpoint": f"{self.base_url}/token",
            "userinfo_endpoint": f"{self.base_url}/userinfo",
            "jwks_uri": f"{self.base_url}/certs",
        }

    def issue_code(self, *, nonce: str, code_challenge: str) -> str:
        code = f"code-{len(self.issued_codes)}"
        self.issued_codes[code] = {"nonce": nonce, "code_challenge": code_challenge}
        return code

    def id_token(self, grant: dict[str, Any], access_token: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": "pairwise-subject-1",
            "aud": [self.client_id],
            "azp": self.client_id,
            "exp": now + 300,
            "iat": now,
            "auth_time": now,
            "nonce": grant["nonce"],
            "acr": "aal3",
            "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16]),
        }
        lie = self.behaviour
        if lie == "wrong_nonce":
            claims["nonce"] = "another-nonce"
        elif lie == "wrong_iss":
            claims["iss"] = "https://evil.example/realms/main"
        elif lie == "wrong_aud":
            claims["aud"] = ["RP999999"]
            claims["azp"] = "RP999999"
        elif lie == "expired":
            claims["exp"] = now - 3600
            claims["iat"] = now - 3900
        elif lie == "future_iat":
            claims["iat"] = now + 3600
        elif lie == "wrong_at_hash":
            claims["at_hash"] = _b64(b"0" * 16)
        elif lie == "acr_aal2":
            claims["acr"] = "aal2"
        elif lie == "no_acr":
            del claims["acr"]
        elif lie == "foreign_azp":
            claims["aud"] = [self.client_id, "RP999999"]
            claims["azp"] = "RP999999"
        header = {"alg": "ES256", "kid": "op-1"}
        key: Any = self.signing_key
        if lie == "bad_signature":
            key = ECKey.generate_key("P-256", {"kid": "op-1"})
        elif lie == "hs256":
            header = {"alg": "HS256", "kid": "op-1"}
            key = OctKey.import_key(b"a-shared-secret-the-rp-never-agreed-to-0123")
        token = jwt.encode(header, claims, key, algorithms=[header["alg"]])
        if lie == "tampered":
            head, body, signature = token.split(".")
            payload = json.loads(base64.urlsafe_b64decode(body + "=="))
            payload["sub"] = "someone-else"
            token = ".".join([head, _b64(json.dumps(payload).encode()), signature])
        return token

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if self.behaviour == "refuse_token":
            return 401, {
                "error": "invalid_client",
                "error_description": "client assertion signature\nis not valid",
            }
        grant = self.issued_codes.pop(form.get("code", ""), None)
        if grant is None:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        if self.client_public_jwks:
            assertion = form.get("client_assertion", "")
            jwt.decode(assertion, KeySet.import_key_set(self.client_public_jwks))
        access_token = f"at-{time.time_ns()}"
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant, access_token),
        }

    def userinfo(self) -> dict[str, Any]:
        return {
            "sub": "someone-else" if self.behaviour == "userinfo_sub" else "pairwise-subject-1",
            "name": "加賀 太郎",
            "address": "石川県加賀市大聖寺南町ニ41",
            "birthdate": "19750401",
            "gender": "1",
        }

    def public_jwks(self) -> dict[str, Any]:
        return KeySet([import_key(self.signing_key.as_dict(private=False))]).as_dict()


def _handler(op: FakeOP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path.endswith("/.well-known/openid-configuration"):
                self._json(200, op.discovery())
            elif path == "/certs":
                self._json(200, op.public_jwks())
            elif path == "/userinfo":
                self._json(200, op.userinfo())
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlparse(self.path).path == "/token":
                self._json(*op.token(form))
            else:
                self._json(404, {"error": "not_found"})

    return Handler


@contextmanager
def running(op: FakeOP) -> Iterator[FakeOP]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(op))
    op.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield op
    finally:
        server.shutdown()
        server.server_close()


def register_card_provider(op: FakeOP, municipality: Any, *, client_key_id: str = "RP-1") -> Any:
    """The Digital Authentication App of ``municipality``, served by ``op``.

    Its public keys are handed to ``op`` as a registration with the real service would.
    """
    from madoguchi.identity import services
    from madoguchi.identity.models import Assurance, IdentityProvider

    provider = IdentityProvider.objects.create(
        municipality=municipality,
        key="digital-auth-app",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        name_en="Digital Authentication App",
        assurance=Assurance.MYNUMBER_CARD,
        issuer=op.issuer,
        client_id=op.client_id,
        client_private_jwk=services.new_client_key(client_key_id),
        scopes="openid name address birthdate gender",
        acr_values="aal3 crl",
    )
    op.client_public_jwks = services.public_jwks([provider])
    return provider
