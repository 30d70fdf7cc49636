"""The agent's HTTP API v1 on loopback (contract: docs/counter.md, "Card reader and agent").

Every request must come from a page of an allowed origin (``Origin`` header, CORS preflight
answered for those origins only, Chrome's private network access included) and carry the
pairing token (``Authorization: Bearer …``, compared in constant time). Bodies are JSON of at
most 8 KiB. One card operation runs at a time; another one meanwhile gets ``busy``.

The PIN and the signing password arrive here from the resident-facing page and go to the card
only; they are never logged, stored or sent anywhere else.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from .card import AgentError, Connector, MyNumberCardSession

logger = logging.getLogger("madoguchi.counter.agent")

AGENT_NAME = "madoguchi-counter-agent"
API_VERSION = 1
DEFAULT_PORT = 47120
LOOPBACK = "127.0.0.1"
MAX_BODY_BYTES = 8192

ERROR_STATUS: dict[str, int] = {
    "no_reader": 503,
    "no_card": 409,
    "card_removed": 409,
    "wrong_pin": 403,
    "pin_blocked": 423,
    "not_my_number_card": 409,
    "card_error": 502,
    "bad_request": 400,
    "busy": 409,
    "bad_token": 401,
    "origin_not_allowed": 403,
    "not_found": 404,
}

_HEX_32 = re.compile(r"[0-9a-fA-F]{64}")
_PIN = re.compile(r"[0-9]{4}")
_PASSWORD = re.compile(r"[A-Z0-9]{6,16}")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+")

T = TypeVar("T")


def normalise_origin(origin: str) -> str:
    """``https://City.example/`` → ``https://city.example``; raises ValueError if not an origin."""
    candidate = origin.strip().rstrip("/")
    if not _ORIGIN.fullmatch(candidate):
        raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    scheme, rest = candidate.split("://", 1)
    return f"{scheme.lower()}://{rest.lower()}"


@dataclass
class Agent:
    """What the HTTP handler serves: the card connector, the token and the allowed origins."""

    connector: Connector
    token: str
    origins: frozenset[str]

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        if len(self.token) < 16:
            raise ValueError("the pairing token is too short")

    def origin_allowed(self, origin: str | None) -> bool:
        if not origin:
            return False
        try:
            return normalise_origin(origin) in self.origins
        except ValueError:
            return False

    def token_matches(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        offered = authorization.removeprefix("Bearer ").strip().encode("utf-8")
        return hmac.compare_digest(offered, self.token.encode("utf-8"))

    def with_card(self, operation: Callable[[MyNumberCardSession], T]) -> T:
        """Run one operation on a fresh connection, one at a time (else ``busy``)."""
        if not self._lock.acquire(blocking=False):
            raise AgentError("busy", "another card operation is running")
        try:
            transport = self.connector.connect()
            try:
                return operation(MyNumberCardSession(transport))
            finally:
                transport.close()
        finally:
            self._lock.release()

    # -- the three endpoints -------------------------------------------------

    def status(self) -> dict[str, Any]:
        reader = self.connector.reader()
        body: dict[str, Any] = {
            "agent": AGENT_NAME,
            "version": API_VERSION,
            "reader": reader,
            "card": False,
            "card_info_pin_tries": None,
            "auth_pin_tries": None,
            "signing_password_tries": None,
        }
        if reader is None:
            return body
        try:
            status = self.with_card(lambda session: session.status())
        except AgentError as error:
            if error.code in ("busy",):
                raise
            return body
        body.update(status.as_json())
        return body

    def read(self, payload: dict[str, Any]) -> dict[str, Any]:
        pin = payload.get("pin")
        auth_pin = payload.get("auth_pin")
        if auth_pin is None or auth_pin == "":
            auth_pin = pin  # the same PIN for both, as most residents set them
        nonce = payload.get("nonce")
        if not isinstance(pin, str) or not _PIN.fullmatch(pin):
            raise AgentError("bad_request", "pin must be four digits")
        if not isinstance(auth_pin, str) or not _PIN.fullmatch(auth_pin):
            raise AgentError("bad_request", "auth_pin must be four digits")
        if not isinstance(nonce, str) or not _HEX_32.fullmatch(nonce):
            raise AgentError("bad_request", "nonce must be 32 bytes in hex")
        nonce_bytes = bytes.fromhex(nonce)
        result = self.with_card(
            lambda session: session.read_basic_four(pin=pin, auth_pin=auth_pin, nonce=nonce_bytes)
        )
        return {
            "items": result.items.as_json(),
            "integrity": "ok" if result.integrity_ok else "mismatch",
            "auth_certificate": _b64(result.auth_certificate),
            "auth_ca_certificate": _b64(result.auth_ca_certificate),
            "nonce_signature": _b64(result.nonce_signature),
        }

    def sign(self, payload: dict[str, Any]) -> dict[str, Any]:
        password = payload.get("password")
        digest = payload.get("sha256")
        if not isinstance(password, str) or not _PASSWORD.fullmatch(password.upper()):
            raise AgentError("bad_request", "password must be 6 to 16 letters A-Z or digits")
        if not isinstance(digest, str) or not _HEX_32.fullmatch(digest):
            raise AgentError("bad_request", "sha256 must be 32 bytes in hex")
        digest_bytes = bytes.fromhex(digest)
        result = self.with_card(
            lambda session: session.sign(password=password.upper(), sha256=digest_bytes)
        )
        return {
            "certificate": _b64(result.certificate),
            "ca_certificate": _b64(result.ca_certificate),
            "signature": _b64(result.signature),
        }


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


class AgentRequestHandler(BaseHTTPRequestHandler):
    server: AgentHTTPServer
    server_version = AGENT_NAME
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # A connection that sends nothing does not hold a thread for long.
    timeout = 30

    # -- plumbing -----------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: ``log_request`` below writes method, path and status only."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.info("%s %s %s", self.command, self.path.split("?", 1)[0], code)

    def _cors_headers(self) -> None:
        origin = self.headers.get("Origin")
        if self.server.agent.origin_allowed(origin):
            self.send_header("Access-Control-Allow-Origin", str(origin))
        self.send_header("Vary", "Origin")

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self._cors_headers()
        self.end_headers()
        self.wfile.write(payload)

    def _send_error(self, error: AgentError) -> None:
        body: dict[str, Any] = {"error": error.code, "message": error.message}
        if error.tries_left is not None:
            body["tries_left"] = error.tries_left
        logger.info("refused: %s", error.code)
        # The body of a refused request may be unread: never reuse the connection after it.
        self.close_connection = True
        self._send_json(ERROR_STATUS.get(error.code, 500), body)

    def _host_allowed(self) -> bool:
        """Only loopback names in ``Host``: a DNS-rebound name never reaches the card."""
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        return host in (LOOPBACK, "localhost", "[::1]")

    def _check_origin(self) -> None:
        if not self._host_allowed() or not self.server.agent.origin_allowed(
            self.headers.get("Origin")
        ):
            raise AgentError("origin_not_allowed", "this page's origin is not allowed")

    def _check_token(self) -> None:
        if not self.server.agent.token_matches(self.headers.get("Authorization")):
            raise AgentError("bad_token", "missing or wrong pairing token")

    def _json_body(self) -> dict[str, Any]:
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self.close_connection = True
            raise AgentError("bad_request", "a JSON body with Content-Length is required")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise AgentError("bad_request", "the body is larger than 8 KiB")
        raw = self.rfile.read(length)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise AgentError("bad_request", "the body is not UTF-8 JSON") from None
        if not isinstance(payload, dict):
            raise AgentError("bad_request", "the body must be a JSON object")
        return payload

    def _handle(self, action: Callable[[], dict[str, Any]]) -> None:
        try:
            self._check_origin()
            self._check_token()
            body = action()
        except AgentError as error:
            self._send_error(error)
            return
        except Exception:
            logger.exception("unexpected failure")
            self._send_error(AgentError("card_error", "unexpected failure in the agent"))
            return
        self._send_json(200, body)

    # -- methods ------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        origin = self.headers.get("Origin")
        if not self._host_allowed() or not self.server.agent.origin_allowed(origin):
            self._send_error(AgentError("origin_not_allowed", "this page's origin is not allowed"))
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Origin", str(origin))
        self.send_header("Vary", "Origin")
        self.send_header("Access-Control-Allow-Headers", "authorization, content-type")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        if self.path == "/v1/status":
            self._handle(self.server.agent.status)
        else:
            self._handle(_not_found)

    def do_POST(self) -> None:
        agent = self.server.agent
        routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/v1/read": agent.read,
            "/v1/sign": agent.sign,
        }
        route = routes.get(self.path)
        if route is None:
            self._handle(_not_found)
            return
        self._handle(lambda: route(self._json_body()))


def _not_found() -> dict[str, Any]:
    raise AgentError("not_found", "no such endpoint")


class AgentHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, agent: Agent, *, host: str = LOOPBACK, port: int = DEFAULT_PORT) -> None:
        if host != LOOPBACK:
            raise ValueError("the counter agent listens on 127.0.0.1 only")
        self.agent = agent
        super().__init__((host, port), AgentRequestHandler)
