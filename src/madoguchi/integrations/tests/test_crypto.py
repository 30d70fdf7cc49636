"""The encryption scheme (integrations.crypto): round trips, tampering, wrong keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.integrations import crypto

DEPARTMENT = crypto.generate_keypair()
ESCROW = crypto.generate_keypair()
OTHER = crypto.generate_keypair()


def _recipient(pair: tuple[bytes, bytes], purpose: str = "department") -> crypto.PublicKey:
    return crypto.PublicKey(public_key=crypto.b64encode(pair[1]), purpose=purpose)


RECIPIENTS = [_recipient(DEPARTMENT), _recipient(ESCROW, "escrow")]


def _private(pair: tuple[bytes, bytes]) -> dict[str, bytes]:
    return {crypto.fingerprint(pair[1]): pair[0]}


@given(plaintext=st.binary(max_size=2048), aad=st.binary(min_size=1, max_size=64))
def test_each_recipient_opens_what_was_sealed_to_both(plaintext: bytes, aad: bytes) -> None:
    sealed = crypto.seal(plaintext, RECIPIENTS, aad).as_dict()

    assert crypto.open_sealed(sealed, _private(DEPARTMENT), aad) == plaintext
    assert crypto.open_sealed(sealed, _private(ESCROW), aad) == plaintext
    assert [r["purpose"] for r in sealed["recipients"]] == ["department", "escrow"]
    assert sealed["suite"] == crypto.SUITE


@given(
    plaintext=st.binary(min_size=1, max_size=512),
    data=st.data(),
)
def test_any_flipped_byte_of_the_ciphertext_or_wrapped_key_fails(
    plaintext: bytes, data: st.DataObject
) -> None:
    aad = b"madoguchi:submission:x:content"
    sealed = crypto.seal(plaintext, RECIPIENTS[:1], aad)
    ciphertext = bytearray(sealed.ciphertext)
    enc = bytearray(sealed.recipients[0].enc)
    where = data.draw(st.sampled_from(["ciphertext", "enc"]))
    target = ciphertext if where == "ciphertext" else enc
    index = data.draw(st.integers(min_value=0, max_value=len(target) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=7))
    target[index] ^= 1 << bit
    changed = crypto.Sealed(
        recipients=[
            crypto.WrappedKey(
                fingerprint=sealed.recipients[0].fingerprint, purpose="department", enc=bytes(enc)
            )
        ],
        ciphertext=bytes(ciphertext),
    ).as_dict()

    with pytest.raises(crypto.Tampered):
        crypto.open_sealed(changed, _private(DEPARTMENT), aad)


def test_another_submissions_aad_does_not_open_the_payload() -> None:
    sealed = crypto.seal(b"secret", RECIPIENTS, b"madoguchi:submission:a:content").as_dict()

    with pytest.raises(crypto.Tampered):
        crypto.open_sealed(sealed, _private(DEPARTMENT), b"madoguchi:submission:b:content")


def test_a_wrong_key_names_the_fingerprints_tried_and_the_recipients() -> None:
    sealed = crypto.seal(b"secret", RECIPIENTS, b"aad").as_dict()

    with pytest.raises(crypto.WrongKey) as raised:
        crypto.open_sealed(sealed, _private(OTHER), b"aad")

    message = str(raised.value)
    assert crypto.fingerprint(OTHER[1]) in message
    assert crypto.fingerprint(DEPARTMENT[1]) in message
    assert crypto.fingerprint(ESCROW[1]) in message


def test_an_unknown_suite_is_refused_rather_than_guessed() -> None:
    sealed = crypto.seal(b"secret", RECIPIENTS, b"aad").as_dict() | {"suite": "madoguchi-e2e/v0"}

    with pytest.raises(crypto.UnsupportedSuite):
        crypto.open_sealed(sealed, _private(DEPARTMENT), b"aad")


def test_files_are_encrypted_with_the_same_content_key_and_their_own_aad() -> None:
    key = crypto.new_content_key()
    sealed = crypto.seal(b"content", RECIPIENTS, b"c", content_key=key).as_dict()
    file_ciphertext = crypto.encrypt_part(key, b"%PDF-1.7", b"file:1")

    opened_key = crypto.open_content_key(sealed, _private(ESCROW), b"c")

    assert crypto.decrypt_part(opened_key, file_ciphertext, b"file:1") == b"%PDF-1.7"
    with pytest.raises(crypto.Tampered):
        crypto.decrypt_part(opened_key, file_ciphertext, b"file:2")


def test_a_pasted_public_key_is_read_as_base64url_or_pem_and_checked() -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    pem = (
        X25519PrivateKey.from_private_bytes(DEPARTMENT[0])
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    assert crypto.parse_public_key(pem) == DEPARTMENT[1]
    assert crypto.parse_public_key(crypto.b64encode(DEPARTMENT[1])) == DEPARTMENT[1]
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.parse_public_key(crypto.b64encode(b"short"))
