"""Demo residents' cards carry the certificates devidp issued them, so the server trusts them."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.simulators.card.card import (
    AID_CARD_INFO,
    AID_JPKI,
    card_for,
    demo_my_number,
    other_persons_card,
    revoked_card,
)
from madoguchi.simulators.card.files import my_number_check_digit
from madoguchi.simulators.idp import authorities
from madoguchi.simulators.idp.residents import RESIDENTS, card_text, get_resident

from .test_card import (
    digest_info,
    read_all,
    read_certificate,
    select_aid,
    select_ef,
    send,
    sign_command,
    verify,
)

pytestmark = pytest.mark.django_db


def test_a_demo_residents_card_holds_devidps_certificates_and_signs_with_their_keys() -> None:
    resident = get_resident("kaga-taro")
    issued = authorities.card(resident)
    card = card_for("kaga-taro")
    card.power_up()
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("000A"))
    auth = x509.load_der_x509_certificate(read_certificate(card))
    send(card, select_ef("0018"))
    send(card, verify(resident.auth_pin))
    send(card, select_ef("0017"))

    signature, sw = send(card, sign_command(digest_info(b"nonce")))

    assert sw == "9000"
    assert auth == issued.auth_certificate
    public_key = auth.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, b"nonce", padding.PKCS1v15(), hashes.SHA256())
    send(card, select_ef("000B"))
    auth_ca = x509.load_der_x509_certificate(read_certificate(card))
    auth.verify_directly_issued_by(auth_ca)
    assert auth_ca == authorities.test_pki().auth.certificate


def test_the_signing_password_is_devidps_and_opens_the_signing_certificate() -> None:
    resident = get_resident("kobe-watanabe")
    card = card_for(resident.id)
    card.power_up()
    send(card, select_aid(AID_JPKI))
    send(card, select_ef("001B"))
    send(card, verify(resident.sign_pin))
    send(card, select_ef("0001"))

    signing = x509.load_der_x509_certificate(read_certificate(card))

    assert signing == authorities.card(resident).signing_certificate


def test_the_card_info_ap_holds_the_residents_items_as_the_card_records_them() -> None:
    resident = get_resident("kaga-yoshida")  # 𠮷 is recorded as its substitute 吉
    card = card_for(resident.id)
    card.power_up()
    send(card, select_aid(AID_CARD_INFO))
    send(card, verify(resident.auth_pin))
    send(card, select_ef("0002"))

    content = read_all(card)

    name, _ = card_text(resident.name)
    address, _ = card_text(resident.address)
    assert name == "吉田\u3000花子"
    assert name.encode() in content
    assert address.encode() in content
    assert b"19881123" in content


def test_the_revoked_card_is_on_devidps_crl_and_another_persons_card_differs() -> None:
    revoked = revoked_card()
    revoked.power_up()
    send(revoked, select_aid(AID_JPKI))
    send(revoked, select_ef("000A"))
    serial = x509.load_der_x509_certificate(read_certificate(revoked)).serial_number

    assert authorities.crl_for("auth").get_revoked_certificate_by_serial_number(serial)
    other = other_persons_card("kaga-taro")
    assert other.my_number != card_for("kaga-taro").my_number


def test_an_unknown_resident_has_no_card() -> None:
    with pytest.raises(LookupError):
        card_for("nobody")


def test_demo_my_numbers_are_stable_and_well_formed() -> None:
    numbers = {demo_my_number(r.id) for r in RESIDENTS}

    assert len(numbers) == len(RESIDENTS)
    for number in numbers:
        assert my_number_check_digit(number[:11]) == number[11]
    assert demo_my_number("kaga-taro") == demo_my_number("kaga-taro")


def test_the_published_sample_my_number_has_check_digit_8() -> None:
    assert my_number_check_digit("12345678901") == "8"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_eleven_digits_get_one_check_digit(eleven: str) -> None:
    digit = my_number_check_digit(eleven)

    assert len(digit) == 1
    assert digit.isdigit()
