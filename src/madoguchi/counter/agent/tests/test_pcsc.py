"""The agent through real PC/SC: pyscard → pcscd → vsmartcard's vpcd → the virtual card.

The cards are the demo residents' (devidp's test PKI), so what the agent returns is checked the
way the server will: the certificate's path to the test root, the signature with its key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.counter.agent.card import PcscConnector, list_readers
from madoguchi.identity.jpki.paths import validate_certificate
from madoguchi.simulators.card import card_for
from madoguchi.simulators.card.testing import VirtualReader, pcscd, virtual_reader  # noqa: F401
from madoguchi.simulators.idp import authorities

from .conftest import NONCE, Client, serving

pytestmark = [pytest.mark.pcsc, pytest.mark.django_db]

RESIDENT = "kaga-taro"
PIN = "1234"
PASSWORD = "KAGA1975"


@pytest.fixture
def agent(virtual_reader: VirtualReader) -> Iterator[Client]:  # noqa: F811
    with serving(PcscConnector(virtual_reader.reader_name)) as client:
        yield client


def _certificate(b64: str) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(b64))


def _public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey:
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def test_the_virtual_readers_are_listed(pcscd: int) -> None:  # noqa: F811
    assert {"Virtual PCD 00 00", "Virtual PCD 00 01"} <= set(list_readers())


def test_status_through_pcscd(agent: Client, virtual_reader: VirtualReader) -> None:  # noqa: F811
    empty = agent.request("GET", "/v1/status")[2]
    virtual_reader.insert(card_for(RESIDENT))

    status, _, body = agent.request("GET", "/v1/status")

    assert (empty["reader"], empty["card"]) == (virtual_reader.reader_name, False)
    assert status == 200
    assert body["reader"] == virtual_reader.reader_name
    assert (body["card"], body["card_info_pin_tries"], body["auth_pin_tries"]) == (True, 3, 3)
    assert body["signing_password_tries"] == 5


def test_read_gives_the_items_and_a_nonce_signature_by_a_valid_jpki_certificate(
    agent: Client,
    virtual_reader: VirtualReader,  # noqa: F811
) -> None:
    virtual_reader.insert(card_for(RESIDENT))

    status, _, body = agent.request("POST", "/v1/read", {"pin": PIN, "nonce": NONCE})

    assert status == 200, body
    assert body["integrity"] == "ok"
    assert body["items"]["name"].startswith("加賀")
    assert body["items"]["sex"] == "1"
    certificate = _certificate(body["auth_certificate"])
    _public_key(certificate).verify(
        base64.b64decode(body["nonce_signature"]),
        bytes.fromhex(NONCE),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    hierarchy = authorities.test_pki()
    validated = validate_certificate(
        certificate,
        kind="authentication",
        trust_roots=authorities.trust_roots(),
        intermediates=hierarchy.intermediates,
        crls=authorities.current_crls(),
        at=datetime.now(UTC),
    )
    assert validated.kind == "authentication"
    assert _certificate(body["auth_ca_certificate"]).subject == certificate.issuer


def test_wrong_pin_counts_down_and_locks_the_card(
    agent: Client,
    virtual_reader: VirtualReader,  # noqa: F811
) -> None:
    virtual_reader.insert(card_for(RESIDENT))

    answers = [agent.request("POST", "/v1/read", {"pin": "0000", "nonce": NONCE}) for _ in range(3)]
    after = agent.request("POST", "/v1/read", {"pin": PIN, "nonce": NONCE})

    assert [(s, body["error"], body.get("tries_left")) for s, _, body in answers] == [
        (403, "wrong_pin", 2),
        (403, "wrong_pin", 1),
        (423, "pin_blocked", 0),
    ]
    assert (after[0], after[2]["error"]) == (423, "pin_blocked")


def test_sign_through_pcscd_verifies_with_the_signing_certificate(
    agent: Client,
    virtual_reader: VirtualReader,  # noqa: F811
) -> None:
    virtual_reader.insert(card_for(RESIDENT))
    document = "申請書の正規化された内容".encode()

    status, _, body = agent.request(
        "POST",
        "/v1/sign",
        {"password": PASSWORD.lower(), "sha256": hashlib.sha256(document).hexdigest()},
    )

    assert status == 200, body
    certificate = _certificate(body["certificate"])
    _public_key(certificate).verify(
        base64.b64decode(body["signature"]), document, padding.PKCS1v15(), hashes.SHA256()
    )
    assert _certificate(body["ca_certificate"]).subject == certificate.issuer


def test_a_card_pulled_out_mid_read_is_card_removed(
    agent: Client,
    virtual_reader: VirtualReader,  # noqa: F811
) -> None:
    virtual_reader.insert(card_for(RESIDENT), remove_after=8)

    status, _, body = agent.request("POST", "/v1/read", {"pin": PIN, "nonce": NONCE})

    assert (status, body["error"]) == (409, "card_removed")


def test_no_card_in_the_reader(agent: Client) -> None:
    status, _, body = agent.request("POST", "/v1/read", {"pin": PIN, "nonce": NONCE})

    assert (status, body["error"]) == (409, "no_card")
