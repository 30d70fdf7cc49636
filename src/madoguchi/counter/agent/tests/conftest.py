"""Fixtures for the agent: a virtual card built from test keys, reached without PC/SC."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from madoguchi.counter.agent.card import AgentError, Connector
from madoguchi.counter.agent.server import Agent, AgentHTTPServer
from madoguchi.simulators.card import VirtualMyNumberCard

NAME = "加賀　太郎"
ADDRESS = "石川県加賀市大聖寺南町ニ４１番地"
ORIGIN = "https://city.example"
TOKEN = "t" * 43
NONCE = "ab" * 32


class Client:
    """HTTP to the agent as the counter page's fetch() sends it."""

    def __init__(self, port: int) -> None:
        self.port = port

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        origin: str | None = ORIGIN,
        token: str | None = TOKEN,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        sent = dict(headers or {})
        if origin is not None:
            sent["Origin"] = origin
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else None if body is None else json.dumps(body).encode()
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        parsed = json.loads(content) if content else None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed


@dataclass(frozen=True)
class Keys:
    auth_key: rsa.RSAPrivateKey
    auth_certificate: bytes
    signing_key: rsa.RSAPrivateKey
    signing_certificate: bytes
    ca_certificate: bytes


def _certificate(key: rsa.RSAPrivateKey, name: str) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="session")
def keys() -> Keys:
    auth = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Keys(
        auth_key=auth,
        auth_certificate=_certificate(auth, "auth"),
        signing_key=signing,
        signing_certificate=_certificate(signing, "signing"),
        ca_certificate=_certificate(ca, "ca"),
    )


@pytest.fixture
def virtual_card(keys: Keys) -> VirtualMyNumberCard:
    card = VirtualMyNumberCard(
        name=NAME,
        address=ADDRESS,
        birth_date=datetime.date(1980, 4, 1),
        sex="1",
        my_number="123456789012",
        card_info_pin="1234",
        auth_pin="1234",
        signing_password="ABC123",
        auth_key=keys.auth_key,
        auth_certificate=keys.auth_certificate,
        auth_ca_certificate=keys.ca_certificate,
        signing_key=keys.signing_key,
        signing_certificate=keys.signing_certificate,
        signing_ca_certificate=keys.ca_certificate,
    )
    card.power_up()
    return card


class ExecutingCard(Protocol):
    """What the in-memory reader needs of a card (VirtualMyNumberCard is one)."""

    def execute(self, command: bytes) -> bytes: ...

    def reset(self) -> None: ...


class CardTransport:
    """A card in a reader, in memory; ``pull_after`` commands later the card leaves."""

    reader_name = "In-memory reader"

    def __init__(self, card: ExecutingCard, *, pull_after: int | None = None) -> None:
        self.card = card
        self.pull_after = pull_after
        self.commands: list[bytes] = []
        self.closed = False

    def transmit(self, command: bytes) -> bytes:
        if self.pull_after is not None and len(self.commands) >= self.pull_after:
            raise AgentError("card_removed", "the card left the reader during the operation")
        self.commands.append(command)
        return self.card.execute(command)

    def close(self) -> None:
        self.closed = True
        self.card.reset()


class CardConnector:
    """The connector of the agent with a card (or none) in an in-memory reader."""

    def __init__(self, card: ExecutingCard | None, *, pull_after: int | None = None) -> None:
        self.card = card
        self.pull_after = pull_after
        self.has_reader = True

    def reader(self) -> str | None:
        return CardTransport.reader_name if self.has_reader else None

    def connect(self) -> CardTransport:
        if not self.has_reader:
            raise AgentError("no_reader", "no card reader is connected")
        if self.card is None:
            raise AgentError("no_card", "no card is in the reader")
        return CardTransport(self.card, pull_after=self.pull_after)


@contextlib.contextmanager
def serving(connector: Connector) -> Iterator[Client]:
    """The agent's HTTP server on a free loopback port, for one block."""
    agent = Agent(connector=connector, token=TOKEN, origins=frozenset({ORIGIN}))
    server = AgentHTTPServer(agent, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Client(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
