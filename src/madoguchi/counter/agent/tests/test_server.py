"""The agent's HTTP API with a virtual card in an in-memory reader (no PC/SC)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.counter.agent.card import AgentError
from madoguchi.counter.agent.server import Agent, AgentHTTPServer
from madoguchi.simulators.card import VirtualMyNumberCard

from .conftest import ADDRESS, NAME, NONCE, ORIGIN, TOKEN, CardConnector, Client, Keys, serving


@pytest.fixture
def connector(virtual_card: VirtualMyNumberCard) -> CardConnector:
    return CardConnector(virtual_card)


@pytest.fixture
def client(connector: CardConnector) -> Iterator[Client]:
    with serving(connector) as client:
        yield client


def _public_key(der: str) -> rsa.RSAPublicKey:
    key = x509.load_der_x509_certificate(base64.b64decode(der)).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def test_status_names_the_reader_and_the_tries_left(client: Client) -> None:
    status, headers, body = client.request("GET", "/v1/status")

    assert status == 200
    assert body == {
        "agent": "madoguchi-counter-agent",
        "version": 1,
        "reader": "In-memory reader",
        "card": True,
        "card_info_pin_tries": 3,
        "auth_pin_tries": 3,
        "signing_password_tries": 5,
    }
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["cache-control"] == "no-store"


def test_status_without_card_or_reader(client: Client, connector: CardConnector) -> None:
    connector.card = None
    assert client.request("GET", "/v1/status")[2]["card"] is False

    connector.has_reader = False
    body = client.request("GET", "/v1/status")[2]

    assert body["reader"] is None and body["card"] is False


def test_read_returns_the_four_items_and_a_nonce_signature_that_verifies(
    client: Client, keys: Keys
) -> None:
    status, _, body = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})

    assert status == 200, body
    assert body["items"] == {
        "name": NAME,
        "address": ADDRESS,
        "birth_date": "1980-04-01",
        "sex": "1",
    }
    assert body["integrity"] == "ok"
    assert base64.b64decode(body["auth_certificate"]) == keys.auth_certificate
    assert base64.b64decode(body["auth_ca_certificate"]) == keys.ca_certificate
    signature = base64.b64decode(body["nonce_signature"])
    assert len(signature) == 256
    _public_key(body["auth_certificate"]).verify(
        signature, bytes.fromhex(NONCE), padding.PKCS1v15(), hashes.SHA256()
    )
    assert "123456789012" not in json.dumps(body)


def test_wrong_pin_counts_down_then_the_card_is_blocked(
    client: Client, virtual_card: VirtualMyNumberCard
) -> None:
    answers = [
        client.request("POST", "/v1/read", {"pin": "9999", "nonce": NONCE}) for _ in range(3)
    ]
    after = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})

    assert [(status, body["error"], body.get("tries_left")) for status, _, body in answers] == [
        (403, "wrong_pin", 2),
        (403, "wrong_pin", 1),
        (423, "pin_blocked", 0),
    ]
    assert (after[0], after[2]["error"]) == (423, "pin_blocked")
    assert client.request("GET", "/v1/status")[2]["card_info_pin_tries"] == 0


def test_an_empty_authentication_pin_means_the_same_pin(client: Client) -> None:
    status, _, body = client.request(
        "POST", "/v1/read", {"pin": "1234", "auth_pin": None, "nonce": NONCE}
    )

    assert status == 200, body


def test_a_wrong_authentication_pin_is_reported_with_its_tries(client: Client) -> None:
    status, _, body = client.request(
        "POST", "/v1/read", {"pin": "1234", "auth_pin": "0000", "nonce": NONCE}
    )

    assert (status, body["error"], body["tries_left"]) == (403, "wrong_pin", 2)
    assert "auth" in body["message"]


def test_sign_returns_a_signature_over_the_digest_with_the_signing_certificate(
    client: Client, keys: Keys
) -> None:
    digest = hashlib.sha256(b"the canonical document").hexdigest()

    status, _, body = client.request("POST", "/v1/sign", {"password": "abc123", "sha256": digest})

    assert status == 200, body
    assert base64.b64decode(body["certificate"]) == keys.signing_certificate
    assert base64.b64decode(body["ca_certificate"]) == keys.ca_certificate
    _public_key(body["certificate"]).verify(
        base64.b64decode(body["signature"]),
        b"the canonical document",
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_a_wrong_signing_password_counts_down_from_five(client: Client) -> None:
    digest = "00" * 32

    status, _, body = client.request("POST", "/v1/sign", {"password": "WRONG1", "sha256": digest})

    assert (status, body["error"], body["tries_left"]) == (403, "wrong_pin", 4)


def test_a_card_pulled_out_mid_read_is_card_removed(
    client: Client, connector: CardConnector
) -> None:
    connector.pull_after = 6

    status, _, body = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})

    assert (status, body["error"]) == (409, "card_removed")


def test_no_card_and_no_reader_are_their_own_errors(
    client: Client, connector: CardConnector
) -> None:
    connector.card = None
    no_card = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})
    connector.has_reader = False
    no_reader = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})

    assert (no_card[0], no_card[2]["error"]) == (409, "no_card")
    assert (no_reader[0], no_reader[2]["error"]) == (503, "no_reader")


@pytest.mark.parametrize(
    "body",
    [
        {"pin": "123", "nonce": NONCE},
        {"pin": "１２３４", "nonce": NONCE},
        {"pin": "1234", "nonce": "ab"},
        {"pin": 1234, "nonce": NONCE},
        ["pin"],
    ],
)
def test_malformed_read_requests_are_bad_request(client: Client, body: Any) -> None:
    status, _, answer = client.request("POST", "/v1/read", body)

    assert (status, answer["error"]) == (400, "bad_request")


def test_a_body_over_8_kib_is_refused_unread(client: Client) -> None:
    status, _, answer = client.request("POST", "/v1/read", raw=b"{" + b" " * 9000 + b"}")

    assert (status, answer["error"]) == (400, "bad_request")


def test_an_unknown_origin_is_refused_before_the_token_is_looked_at(client: Client) -> None:
    for origin in ("https://evil.example", None, "null"):
        status, headers, body = client.request("GET", "/v1/status", origin=origin)

        assert (status, body["error"]) == (403, "origin_not_allowed")
        assert "access-control-allow-origin" not in headers


def test_a_missing_or_wrong_token_is_refused(client: Client) -> None:
    for token in (None, "x" * 43, TOKEN + "x"):
        status, headers, body = client.request("GET", "/v1/status", token=token)

        assert (status, body["error"]) == (401, "bad_token")
        assert headers["access-control-allow-origin"] == ORIGIN


def test_a_rebound_host_name_is_refused(client: Client) -> None:
    status, _, body = client.request("GET", "/v1/status", headers={"Host": "evil.example"})

    assert (status, body["error"]) == (403, "origin_not_allowed")


def test_preflight_allows_the_origin_and_private_network_access(client: Client) -> None:
    status, headers, _ = client.request(
        "OPTIONS",
        "/v1/read",
        token=None,
        headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )

    assert status == 204
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["vary"] == "Origin"
    assert headers["access-control-allow-headers"] == "authorization, content-type"
    assert headers["access-control-allow-methods"] == "GET, POST"
    assert headers["access-control-allow-private-network"] == "true"


def test_preflight_from_another_origin_is_refused(client: Client) -> None:
    status, headers, _ = client.request("OPTIONS", "/v1/read", origin="http://localhost:8000")

    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_one_card_operation_at_a_time(connector: CardConnector) -> None:
    agent = Agent(connector=connector, token=TOKEN, origins=frozenset({ORIGIN}))
    inside = threading.Event()
    release = threading.Event()

    def slow(_session: object) -> None:
        inside.set()
        release.wait(5)

    thread = threading.Thread(target=agent.with_card, args=(slow,))
    thread.start()
    inside.wait(5)
    try:
        with pytest.raises(AgentError) as refused:
            agent.read({"pin": "1234", "nonce": NONCE})
    finally:
        release.set()
        thread.join()

    assert refused.value.code == "busy"


def test_the_server_listens_on_loopback_only(connector: CardConnector) -> None:
    agent = Agent(connector=connector, token=TOKEN, origins=frozenset({ORIGIN}))

    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        AgentHTTPServer(agent, host="0.0.0.0", port=0)  # noqa: S104 - the refusal under test


class ScriptedCard:
    """A card that answers every SELECT with ``select`` and anything else with ``other``."""

    def __init__(self, *, select: bytes, other: bytes = b"\x90\x00") -> None:
        self.select, self.other = select, other

    def execute(self, command: bytes) -> bytes:
        return self.select if command[1] == 0xA4 else self.other

    def reset(self) -> None:
        pass


def test_a_card_without_the_my_number_applications_is_named_so() -> None:
    card = ScriptedCard(select=b"\x6a\x82")

    with serving(CardConnector(card)) as client:
        read = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})
        status = client.request("GET", "/v1/status")[2]

    assert (read[0], read[2]["error"]) == (409, "not_my_number_card")
    assert (status["card"], status["card_info_pin_tries"]) == (True, None)


def test_an_unexpected_status_word_is_a_card_error_that_names_it() -> None:
    card = ScriptedCard(select=b"\x90\x00", other=b"\x6f\x00")

    with serving(CardConnector(card)) as client:
        status, _, body = client.request("POST", "/v1/read", {"pin": "1234", "nonce": NONCE})

    assert (status, body["error"]) == (502, "card_error")
    assert "6F 00" in body["message"]
    assert "1234" not in body["message"]
