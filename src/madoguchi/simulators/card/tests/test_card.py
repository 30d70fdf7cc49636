"""The virtual card at the APDU level, without pcscd: what a reader sends, what it gets back."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from madoguchi.simulators.card.card import (
    AID_CARD_INFO,
    AID_FACE,
    AID_JPKI,
    VirtualMyNumberCard,
)
from madoguchi.simulators.idp import pki

from .conftest import ADDRESS, MY_NUMBER, NAME, Material

DIGEST_INFO_SHA256 = bytes.fromhex("3031300d060960864801650304020105000420")


def send(card: VirtualMyNumberCard, command: str | bytes) -> tuple[bytes, str]:
    """Send a command (hex or bytes); the response data and the status word in hex."""
    raw = bytes.fromhex(command) if isinstance(command, str) else command
    response = card.execute(raw)
    return response[:-2], response[-2:].hex().upper()


def select_aid(aid: bytes) -> bytes:
    return bytes.fromhex("00A4040C0A") + aid


def select_ef(ef: str) -> str:
    return f"00A4020C02{ef}"


def verify(secret: str) -> bytes:
    data = secret.encode("ascii")
    return bytes([0x00, 0x20, 0x00, 0x80, len(data)]) + data


def read_all(card: VirtualMyNumberCard, *, length: int | None = None) -> bytes:
    """READ BINARY in 256-byte chunks (Le 00) until ``length`` or the end of the file."""
    content = b""
    while length is None or len(content) < length:
        offset = len(content)
        data, sw = send(card, bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, 0x00]))
        if sw == "6B00":
            break
        assert sw == "9000", sw
        content += data
    return content if length is None else content[:length]


def read_certificate(card: VirtualMyNumberCard) -> bytes:
    head, sw = send(card, "00B0000004")
    assert sw == "9000"
    assert head[:2] == b"\x30\x82"
    return read_all(card, length=int.from_bytes(head[2:4], "big") + 4)


def digest_info(message: bytes) -> bytes:
    return DIGEST_INFO_SHA256 + hashlib.sha256(message).digest()


def sign_command(data: bytes) -> bytes:
    return bytes([0x80, 0x2A, 0x00, 0x80, len(data)]) + data + b"\x00"


# --- selection ---------------------------------------------------------------------------


def test_the_atr_is_contactless_style_with_a_valid_check_byte(card: VirtualMyNumberCard) -> None:
    assert card.ATR.hex().upper() == "3B888001000005E0B381A1007F"
    check = 0
    for byte in card.ATR[1:]:
        check ^= byte
    assert check == 0


def test_the_three_applications_are_selectable_by_aid_and_others_are_not_found(
    card: VirtualMyNumberCard,
) -> None:
    for aid in (AID_JPKI, AID_CARD_INFO, AID_FACE):
        assert send(card, select_aid(aid)) == (b"", "9000")

    assert send(card, select_aid(bytes.fromhex("D392F000260100000099")))[1] == "6A82"


def test_an_ef_is_found_only_in_the_selected_application(card: VirtualMyNumberCard) -> None:
    assert send(card, select_ef("000A"))[1] == "6A82"  # nothing selected yet
    send(card, select_aid(AID_CARD_INFO))
    assert send(card, select_ef("000A"))[1] == "6A82"  # a JPKI EF
    send(card, select_aid(AID_JPKI))
    assert send(card, select_ef("000A"))[1] == "9000"


def test_the_face_application_reads_nothing_without_its_verification_number(
    card: VirtualMyNumberCard,
) -> None:
    send(card, select_aid(AID_FACE))

    assert send(card, select_ef("0002"))[1] == "9000"
    assert send(card, "00B0000000")[1] == "6982"


# --- card-info input support AP ----------------------------------------------------------


def test_card_info_files_need_the_pin_and_then_read_byte_exact(
    card: VirtualMyNumberCard,
) -> None:
    send(card, select_aid(AID_CARD_INFO))
    send(card, select_ef("0001"))
    assert send(card, "00B0000000")[1] == "6982"

    assert send(card, verify("1234"))[1] == "9000"  # the AP's PIN (EF 0011) by default
    my_number, sw = send(card, "00B0000011")

    assert sw == "9000"
    assert my_number == b"\xff\x10\x0c" + MY_NUMBER.encode() + b"\xff\xff"


def test_basic_four_items_carry_an_offset_table_pointing_at_each_item(
    card: VirtualMyNumberCard,
) -> None:
    send(card, select_aid(AID_CARD_INFO))
    send(card, select_ef("0011"))
    send(card, verify("1234"))
    send(card, select_ef("0002"))

    content = read_all(card)

    assert content[:2] == b"\xff\x20"
    assert content[3:5] == b"\xdf\x21"
    offsets = [int.from_bytes(content[6 + 2 * i : 8 + 2 * i], "big") for i in range(4)]
    values = {}
    for offset, tag in zip(offsets, (0x22, 0x23, 0x24, 0x25), strict=True):
        assert content[offset : offset + 2] == bytes([0xDF, tag])
        length = content[offset + 2]
        values[tag] = content[offset + 3 : offset + 3 + length].decode("utf-8")
    assert values == {0x22: NAME, 0x23: ADDRESS, 0x24: "19750401", 0x25: "1"}
    end = 3 + content[2]
    assert set(content[end:]) == {0xFF}  # filler


def test_the_integrity_record_hashes_both_files_and_verifies_with_the_ap_key(
    card: VirtualMyNumberCard,
) -> None:
    send(card, select_aid(AID_CARD_INFO))
    send(card, verify("1234"))
    send(card, select_ef("0001"))
    my_number = read_all(card)
    send(card, select_ef("0002"))
    basic_four = read_all(card)
    send(card, select_ef("0003"))

    integrity = read_all(card)

    assert integrity[:5] == b"\xff\x30\x82\x01\x4b"  # 2 × 35 + 5 + 256 bytes
    assert integrity[5:8] == b"\xdf\x31\x20"
    assert integrity[8:40] == hashlib.sha256(my_number).digest()
    assert integrity[40:43] == b"\xdf\x32\x20"
    hashed_part = basic_four[basic_four.index(b"\xdf\x22") : 3 + basic_four[2]]
    assert integrity[43:75] == hashlib.sha256(hashed_part).digest()
    assert integrity[75:80] == b"\xdf\x33\x82\x01\x00"
    card.integrity_public_key.verify(
        integrity[80:336], integrity[5:75], padding.PKCS1v15(), hashes.SHA256()
    )


def test_the_card_verifiable_certificate_is_free_and_holds_the_ap_key(
    card: VirtualMyNumberCard,
) -> None:
    send(card, select_aid(AID_CARD_INFO))
    send(card, select_ef("0004"))

    content = read_all(card)

    assert content[:2] == b"\x7f\x21"
    modulus = card.integrity_public_key.public_numbers().n.to_bytes(256, "big")
    assert modulus in content


# --- VERIFY ------------------------------------------------------------------------------


def test_wrong_pins_count_down_to_blocked_and_stay_blocked(card: VirtualMyNumberCard) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    assert send(card, "00200080")[1] == "63C3"  # the query spends nothing
    assert send(card, "00200080")[1] == "63C3"

    answers = [send(card, verify("0000"))[1] for _ in range(3)]

    assert answers == ["63C2", "63C1", "63C0"]
    assert send(card, verify("5678"))[1] == "6984"
    assert send(card, "00200080")[1] == "6984"
    card.reset()
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    assert send(card, verify("5678"))[1] == "6984"


def test_the_signing_password_has_five_tries_and_is_upper_case(
    card: VirtualMyNumberCard,
) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("001B"))
    assert send(card, "00200080")[1] == "63C5"

    assert send(card, verify("abc123"))[1] == "63C4"  # the client upper-cases, not the card
    assert send(card, verify("ABC123"))[1] == "9000"


def test_a_right_pin_resets_the_counter(card: VirtualMyNumberCard) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    assert send(card, verify("0000"))[1] == "63C2"

    assert send(card, verify("5678"))[1] == "9000"

    assert send(card, "00200080")[1] == "9000"  # verified
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    assert send(card, "00200080")[1] == "63C3"


def test_reselecting_resetting_or_powering_off_logs_the_pin_out(
    make_card: Callable[[], VirtualMyNumberCard],
) -> None:
    for logout in ("reselect", "reset", "power"):
        card = make_card()
        send(card, select_aid(AID_JPKI))
        send(card, select_ef("001B"))
        send(card, verify("ABC123"))
        send(card, select_ef("0001"))
        assert send(card, "00B0000004")[1] == "9000"

        if logout == "reselect":
            send(card, select_aid(AID_JPKI))
        elif logout == "reset":
            card.reset()
            send(card, select_aid(AID_JPKI))
        else:
            card.power_down()
            card.power_up()
            send(card, select_aid(AID_JPKI))
        send(card, select_ef("0001"))

        assert send(card, "00B0000004")[1] == "6982", logout


def test_verify_in_the_jpki_ap_needs_a_pin_ef_selected(card: VirtualMyNumberCard) -> None:
    send(card, select_aid(AID_JPKI))

    assert send(card, verify("5678"))[1] == "6986"


# --- JPKI AP -----------------------------------------------------------------------------


def test_certificates_read_in_chunks_with_filler_after_and_6b00_past_the_end(
    card: VirtualMyNumberCard, material: Material
) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("000A"))

    der = read_certificate(card)

    assert der == material.auth_certificate
    x509.load_der_x509_certificate(der)
    whole = read_all(card)
    assert set(whole[len(der) :]) == {0xFF}
    end = len(whole)
    assert send(card, bytes([0x00, 0xB0, end >> 8, end & 0xFF, 0x00]))[1] == "6B00"


def test_the_ca_certificates_and_token_label_are_free(
    card: VirtualMyNumberCard, material: Material
) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("000B"))
    assert read_certificate(card) == pki.to_der(material.hierarchy.auth.certificate)
    send(card, select_ef("0006"))

    label, sw = send(card, "00B0000020")

    assert sw == "9000"
    assert label.rstrip(b" ") == b"JPKIAPICCTOKEN2"


def test_the_signing_certificate_needs_the_signing_password(
    card: VirtualMyNumberCard, material: Material
) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0001"))
    assert send(card, "00B0000004")[1] == "6982"
    send(card, select_ef("0018"))
    send(card, verify("5678"))  # the authentication PIN does not open it
    send(card, select_ef("0001"))
    assert send(card, "00B0000004")[1] == "6982"

    send(card, select_ef("001B"))
    send(card, verify("ABC123"))
    send(card, select_ef("0001"))

    assert read_certificate(card) == material.signing_certificate


def test_the_authentication_key_signs_a_digest_info_after_its_pin(
    card: VirtualMyNumberCard, material: Material
) -> None:
    nonce = bytes(range(32))
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0017"))
    assert send(card, sign_command(digest_info(nonce)))[1] == "6982"
    send(card, select_ef("0018"))
    send(card, verify("5678"))
    send(card, select_ef("0017"))

    signature, sw = send(card, sign_command(digest_info(nonce)))

    assert sw == "9000"
    assert len(signature) == 256
    certificate = x509.load_der_x509_certificate(material.auth_certificate)
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, nonce, padding.PKCS1v15(), hashes.SHA256())


def test_the_signing_key_needs_the_signing_password_not_the_auth_pin(
    card: VirtualMyNumberCard, material: Material
) -> None:
    document = "申請書".encode()
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    send(card, verify("5678"))
    send(card, select_ef("001A"))
    assert send(card, sign_command(digest_info(document)))[1] == "6982"
    send(card, select_ef("001B"))
    send(card, verify("ABC123"))
    send(card, select_ef("001A"))

    signature, sw = send(card, sign_command(digest_info(document)))

    assert sw == "9000"
    public_key = x509.load_der_x509_certificate(material.signing_certificate).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, document, padding.PKCS1v15(), hashes.SHA256())


def test_the_card_pads_whatever_it_is_given_without_checking_the_hash(
    card: VirtualMyNumberCard, material: Material
) -> None:
    data = b"not a DigestInfo at all"
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    send(card, verify("5678"))
    send(card, select_ef("0017"))

    signature, sw = send(card, sign_command(data))

    assert sw == "9000"
    numbers = material.auth_key.public_key().public_numbers()
    block = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(256, "big")
    assert block == b"\x00\x01" + b"\xff" * (256 - 3 - len(data)) + b"\x00" + data


def test_signing_needs_a_key_ef_and_data_that_fits_the_key(card: VirtualMyNumberCard) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("0018"))
    send(card, verify("5678"))
    send(card, select_ef("000A"))
    assert send(card, sign_command(digest_info(b"x")))[1] == "6986"
    send(card, select_ef("0017"))

    assert send(card, sign_command(b"\x00" * 246))[1] == "6A80"
    assert send(card, bytes.fromhex("802A0080") + bytes([51]) + digest_info(b"x"))[1] == "6700"


# --- malformed commands ------------------------------------------------------------------


def test_malformed_commands_get_the_iso_7816_4_status_words(card: VirtualMyNumberCard) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("000A"))

    assert send(card, "00A4")[1] == "6700"  # shorter than a header
    assert send(card, "00A4020C0300")[1] == "6700"  # Lc says 3, one byte follows
    assert send(card, "00A4020C0100")[1] == "6700"  # an EF id is two bytes
    assert send(card, "00B00000")[1] == "6700"  # READ BINARY without Le
    assert send(card, "00CA000000")[1] == "6D00"  # GET DATA: not on this card
    assert send(card, "80B0000004")[1] == "6E00"  # READ BINARY is CLA 00
    assert send(card, "002A008000")[1] == "6E00"  # the signature command is CLA 80
    assert send(card, "00A4080C02000A")[1] == "6A86"  # select by path: not supported
    assert send(card, "00B0810000")[1] == "6A86"  # short EF identifier in P1
    assert send(card, "00200081")[1] == "6A86"
    assert send(card, "00B0000000000102")[1] == "6700"  # extended Lc 1, two bytes follow


def test_extended_le_reads_a_whole_certificate(
    card: VirtualMyNumberCard, material: Material
) -> None:
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("000A"))

    data, sw = send(card, "00B00000000000")  # Le = 65536

    assert sw == "9000"
    assert data.startswith(material.auth_certificate)
