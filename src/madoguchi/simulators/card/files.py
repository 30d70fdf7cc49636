"""The byte-exact elementary files of the virtual My Number Card.

Layouts follow /work/shared/MYNUMBER-CARD.md (open-source readers that agree with each other);
where the sources say nothing the choice is ours and marked *invented* (docs/counter.md lists
them): what the integrity signature covers, the body of the card-verifiable certificate in EF
0004, the AP information in EF 0005, and how much filler follows the data.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = [
    "JPKI_TOKEN_LABEL",
    "BasicFour",
    "ap_information_file",
    "basic_four_file",
    "basic_four_hashed_part",
    "ber_length",
    "certificate_file",
    "cv_certificate_file",
    "integrity_file",
    "integrity_keys",
    "my_number_check_digit",
    "my_number_file",
    "tlv",
    "token_label_file",
]

JPKI_TOKEN_LABEL = b"JPKIAPICCTOKEN2"
_FILLER = 0xFF
# Room for a certificate on the card; reading past the DER finds filler, as on a real card.
_CERTIFICATE_EF_SIZE = 0x0800
_BASIC_FOUR_EF_SIZE = 0x0200
_RSA_DIGEST_INFO_OID = bytes.fromhex("04007f00070202020102")  # id-TA-RSA-v1-5-SHA-256


def ber_length(length: int) -> bytes:
    """A BER/DER definite length: short form below 128, else 81 xx or 82 xx xx."""
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return bytes([0x82]) + length.to_bytes(2, "big")
    raise ValueError("longer than any file on the card")


def tlv(tag: bytes, value: bytes) -> bytes:
    return tag + ber_length(len(value)) + value


def _padded(content: bytes, size: int) -> bytes:
    if len(content) > size:
        size = -(-len(content) // 0x100) * 0x100
    return content + bytes([_FILLER]) * (size - len(content))


def my_number_check_digit(eleven: str) -> str:
    """The check digit of a 個人番号 (総務省令第八十五号 第五条)."""
    if len(eleven) != 11 or not eleven.isdigit():
        raise ValueError("a My Number check digit needs 11 digits")
    total = 0
    for n in range(1, 12):
        p = int(eleven[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def my_number_file(my_number: str) -> bytes:
    """EF 0001 of the card-info AP: ``FF 10 0C`` + 12 ASCII digits + ``FF FF`` (17 bytes)."""
    if len(my_number) != 12 or not my_number.isascii() or not my_number.isdigit():
        raise ValueError("a My Number is 12 digits")
    return b"\xff\x10\x0c" + my_number.encode("ascii") + b"\xff\xff"


@dataclass(frozen=True)
class BasicFour:
    """The basic four items as the card records them: full-width text, U+3000 in the name,
    ``sex`` as the card's code ('1' male, '2' female, '9' not applicable)."""

    name: str
    address: str
    birth_date: date
    sex: str


def basic_four_file(items: BasicFour) -> bytes:
    """EF 0002: ``FF 20 <len> { DF 21 offsets, DF 22 name, DF 23 address, DF 24 birth date,
    DF 25 sex }`` then filler. DF 21 holds four big-endian offsets from the start of the file,
    each pointing at the tag of DF 22 … DF 25."""
    if items.sex not in {"1", "2", "9"}:
        raise ValueError("sex is '1', '2' or '9' on the card")
    fields = [
        tlv(b"\xdf\x22", items.name.encode("utf-8")),
        tlv(b"\xdf\x23", items.address.encode("utf-8")),
        tlv(b"\xdf\x24", items.birth_date.strftime("%Y%m%d").encode("ascii")),
        tlv(b"\xdf\x25", items.sex.encode("ascii")),
    ]
    offsets_length = 2 + 1 + 8  # DF 21 08 + four offsets
    inner_length = offsets_length + sum(len(f) for f in fields)
    header = b"\xff\x20" + ber_length(inner_length)
    position = len(header) + offsets_length
    offsets = b""
    for field in fields:
        offsets += position.to_bytes(2, "big")
        position += len(field)
    content = header + tlv(b"\xdf\x21", offsets) + b"".join(fields)
    return _padded(content, _BASIC_FOUR_EF_SIZE)


def basic_four_hashed_part(ef_0002: bytes) -> bytes:
    """What DF 32 of EF 0003 hashes: EF 0002 from the DF 22 tag to the end of the FF 20 value."""
    start = ef_0002.index(b"\xdf\x22")
    length_byte = ef_0002[2]
    if length_byte < 0x80:
        end = 3 + length_byte
    else:
        size = length_byte & 0x7F
        end = 3 + size + int.from_bytes(ef_0002[3 : 3 + size], "big")
    return ef_0002[start:end]


@functools.lru_cache(maxsize=1)
def integrity_keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey]:
    """(the AP's signing key, the test issuer's key), one pair per process.

    On a real card the AP key's certificate (EF 0004) is signed by a J-LIS key that is
    published nowhere; ours is a test key of the same size, so nothing can mistake it.
    """
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def integrity_file(ef_0001: bytes, ef_0002: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """EF 0003: ``FF 30 { DF 31 SHA-256(EF 0001), DF 32 SHA-256(EF 0002 part), DF 33 sig }``.

    *Invented*: DF 33 is RSA PKCS#1 v1.5 with SHA-256 over the DF 31 and DF 32 TLVs.
    """
    hashed = tlv(b"\xdf\x31", hashlib.sha256(ef_0001).digest()) + tlv(
        b"\xdf\x32", hashlib.sha256(basic_four_hashed_part(ef_0002)).digest()
    )
    signature = key.sign(hashed, padding.PKCS1v15(), hashes.SHA256())
    return tlv(b"\xff\x30", hashed + tlv(b"\xdf\x33", signature))


def cv_certificate_file(key: rsa.RSAPrivateKey, issuer: rsa.RSAPrivateKey) -> bytes:
    """EF 0004: ``7F 21 { 5F 4E body, 5F 37 signature }``; *invented* body in the shape of
    BSI TR-03110 card-verifiable certificates, the signature by ``issuer`` over the 5F 4E TLV."""
    numbers = key.public_key().public_numbers()
    public_key = tlv(
        b"\x7f\x49",
        tlv(b"\x06", _RSA_DIGEST_INFO_OID)
        + tlv(b"\x81", numbers.n.to_bytes(256, "big"))
        + tlv(b"\x82", numbers.e.to_bytes(3, "big")),
    )
    body = tlv(
        b"\x5f\x4e",
        tlv(b"\x5f\x29", b"\x00")
        + tlv(b"\x42", b"JPJLISTEST00001")
        + public_key
        + tlv(b"\x5f\x20", b"JPKENHOJOTEST01"),
    )
    signature = issuer.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return tlv(b"\x7f\x21", body + tlv(b"\x5f\x37", signature))


def ap_information_file() -> bytes:
    """EF 0005: *invented* — an AP version record, then filler."""
    return _padded(tlv(b"\xff\x50", tlv(b"\xdf\x51", b"0100")), 0x20)


def certificate_file(der: bytes) -> bytes:
    """A JPKI certificate EF: the DER (``30 82 HH LL …``) then filler to the EF's size."""
    if der[:2] != b"\x30\x82":
        raise ValueError("a JPKI certificate is a DER SEQUENCE with a two-byte length")
    return _padded(der, _CERTIFICATE_EF_SIZE)


def token_label_file() -> bytes:
    """EF 0006 of the JPKI AP: the token label, space padded to 32 bytes."""
    return JPKI_TOKEN_LABEL.ljust(32, b" ")
