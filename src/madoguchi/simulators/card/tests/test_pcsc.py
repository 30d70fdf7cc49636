"""The virtual card through a real pcscd and vpcd, with plain pyscard: what the agent will see."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.simulators.card.card import AID_JPKI, VirtualMyNumberCard
from madoguchi.simulators.card.testing import VirtualReader, free_base_port

from .conftest import Material
from .test_card import digest_info, select_aid, select_ef, sign_command, verify

pytestmark = pytest.mark.pcsc


def transmit(connection: Any, command: str | bytes) -> tuple[bytes, str]:
    raw = bytes.fromhex(command) if isinstance(command, str) else command
    data, sw1, sw2 = connection.transmit(list(raw))
    return bytes(data), f"{sw1:02X}{sw2:02X}"


def test_pyscard_connects_and_sees_the_atr(
    virtual_reader: VirtualReader, card: VirtualMyNumberCard
) -> None:
    virtual_reader.insert(card)

    connection = virtual_reader.connect()

    assert bytes(connection.getATR()) == card.ATR
    assert transmit(connection, select_aid(AID_JPKI)) == (b"", "9000")
    assert transmit(connection, select_ef("9999"))[1] == "6A82"


def test_verify_counts_down_to_blocked_through_pcscd(
    virtual_reader: VirtualReader, card: VirtualMyNumberCard
) -> None:
    virtual_reader.insert(card)
    connection = virtual_reader.connect()
    transmit(connection, select_aid(AID_JPKI))
    transmit(connection, select_ef("0018"))

    answers = [transmit(connection, c)[1] for c in ["00200080", *[verify("0000")] * 3]]

    assert answers == ["63C3", "63C2", "63C1", "63C0"]
    assert transmit(connection, verify("5678"))[1] == "6984"


def test_a_certificate_reads_in_256_byte_chunks_through_pcscd(
    virtual_reader: VirtualReader, card: VirtualMyNumberCard, material: Material
) -> None:
    virtual_reader.insert(card)
    connection = virtual_reader.connect()
    transmit(connection, select_aid(AID_JPKI))
    transmit(connection, select_ef("000A"))
    head, _ = transmit(connection, "00B0000004")
    total = int.from_bytes(head[2:4], "big") + 4

    der = b""
    while len(der) < total:
        offset = len(der)
        chunk, sw = transmit(connection, bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, 0x00]))
        assert sw == "9000"
        der += chunk
    der = der[:total]

    assert der == material.auth_certificate


def test_a_signature_made_through_pcscd_verifies_with_the_certificate(
    virtual_reader: VirtualReader, card: VirtualMyNumberCard, material: Material
) -> None:
    nonce = hashlib.sha256(b"nonce").digest()
    virtual_reader.insert(card)
    connection = virtual_reader.connect()
    transmit(connection, select_aid(AID_JPKI))
    transmit(connection, select_ef("0018"))
    transmit(connection, verify("5678"))
    transmit(connection, select_ef("0017"))

    signature, sw = transmit(connection, sign_command(digest_info(nonce)))

    assert sw == "9000"
    public_key = x509.load_der_x509_certificate(material.auth_certificate).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())


def test_a_card_pulled_out_mid_read_raises_card_connection_exception(
    virtual_reader: VirtualReader, card: VirtualMyNumberCard
) -> None:
    from smartcard.Exceptions import CardConnectionException

    virtual_reader.insert(card, remove_after=3)
    connection = virtual_reader.connect()
    transmit(connection, select_aid(AID_JPKI))
    transmit(connection, select_ef("000A"))
    transmit(connection, "00B0000004")

    with pytest.raises(CardConnectionException):
        transmit(connection, "00B0000400")
    assert virtual_reader.wait_until_removed()
    virtual_reader.wait_for_card(present=False)
    with pytest.raises(CardConnectionException):
        transmit(connection, "00B0000400")


def test_a_removed_card_is_gone_and_a_new_one_is_read(
    virtual_reader: VirtualReader, make_card: Any
) -> None:
    from smartcard.Exceptions import CardConnectionException

    virtual_reader.insert(make_card())
    first = virtual_reader.connect()
    transmit(first, select_aid(AID_JPKI))

    virtual_reader.remove()

    with pytest.raises(CardConnectionException):
        transmit(first, select_aid(AID_JPKI))
    first.disconnect()
    virtual_reader.insert(make_card())
    second = virtual_reader.connect()
    assert transmit(second, select_aid(AID_JPKI)) == (b"", "9000")


def _ephemeral_ports_start() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_the_readers_listen_below_the_ephemeral_range(virtual_reader: VirtualReader) -> None:
    # Debian's 35963 lies inside it: an outgoing connection that happened to get it as its
    # local port when pcscd started left CI with no Virtual PCD reader at all.
    assert virtual_reader.port < _ephemeral_ports_start()


def test_vpcd_ports_in_use_are_passed_over() -> None:
    # Far from the fixtures' ports: holding one of theirs could take it from a pcscd that
    # another worker is starting.
    start = 24001
    first = free_base_port(start)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", first + 1))
        busy.listen()

        second = free_base_port(start)

    assert second + 1 < first <= start < _ephemeral_ports_start()
