"""APDUs for the My Number Card and parsers for what it answers.

Command builders use short APDUs only (the portable choice across readers); the parsers accept
generic BER-TLV, because J-LIS does not publish the layouts and the open-source readers this
follows (jpki/myna, OpenSC card-jpki.c, TRETJapanNFCReader, ...) agree on tags, not on every
length form. Anything unexpected on the card raises one error, ``CardDataError``.

The My Number itself (EF 0001) is parsed only to recompute the card's integrity hash: no
function here returns it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

JPKI_AID = bytes.fromhex("D392F000260100000001")
CARD_INFO_AID = bytes.fromhex("D3921000310001010408")

# 券面事項入力補助AP
EF_MY_NUMBER = 0x0001
EF_BASIC_FOUR = 0x0002
EF_INTEGRITY = 0x0003
# JPKI AP
EF_SIGNING_CERTIFICATE = 0x0001
EF_SIGNING_CA_CERTIFICATE = 0x0002
EF_AUTH_CERTIFICATE = 0x000A
EF_AUTH_CA_CERTIFICATE = 0x000B
EF_AUTH_KEY = 0x0017
EF_AUTH_PIN = 0x0018
EF_SIGNING_KEY = 0x001A
EF_SIGNING_PASSWORD = 0x001B

SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300D060960864801650304020105000420")

SW_OK = 0x9000
SW_BLOCKED = 0x6984
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_NOT_FOUND = 0x6A82
SW_WRONG_P1P2 = 0x6A86
SW_WRONG_OFFSET = 0x6B00


class CardDataError(ValueError):
    """The bytes read from the card are not what a My Number Card holds."""


# ---------------------------------------------------------------------------
# Commands


def select_aid(aid: bytes) -> bytes:
    """SELECT an application by its AID, no response data (``00 A4 04 0C``)."""
    if not 1 <= len(aid) <= 16:
        raise ValueError("an AID has 1 to 16 bytes")
    return bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid


def select_ef(ef: int) -> bytes:
    """SELECT an elementary file of the current application (``00 A4 02 0C 02 <EF>``)."""
    if not 0 <= ef <= 0xFFFF:
        raise ValueError("an EF identifier has two bytes")
    return bytes([0x00, 0xA4, 0x02, 0x0C, 0x02]) + ef.to_bytes(2, "big")


def read_binary(offset: int, length: int) -> bytes:
    """READ BINARY of ``length`` bytes (1–256; 256 is ``Le = 00``) at ``offset`` (P1 P2)."""
    if not 0 <= offset <= 0x7FFF:
        raise ValueError("READ BINARY offsets are 15 bits")
    if not 1 <= length <= 256:
        raise ValueError("a short READ BINARY reads 1 to 256 bytes")
    return bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length & 0xFF])


def verify(secret: bytes) -> bytes:
    """VERIFY the PIN or password of the selected EF (``00 20 00 80 <Lc> <secret>``)."""
    if not 1 <= len(secret) <= 255:
        raise ValueError("a PIN has 1 to 255 bytes")
    return bytes([0x00, 0x20, 0x00, 0x80, len(secret)]) + secret


def verify_query() -> bytes:
    """An empty VERIFY: answers ``63 Cx`` with the tries left, spending none."""
    return bytes([0x00, 0x20, 0x00, 0x80])


def digest_info_sha256(digest: bytes) -> bytes:
    """The DER DigestInfo of a SHA-256 digest, which the JPKI sign command takes."""
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest has 32 bytes")
    return SHA256_DIGEST_INFO_PREFIX + digest


def compute_signature(digest_info: bytes) -> bytes:
    """The JPKI sign command over a DigestInfo (``80 2A 00 80 <Lc> <DigestInfo> 00``)."""
    if not 1 <= len(digest_info) <= 255:
        raise ValueError("the DigestInfo must fit a short APDU")
    return bytes([0x80, 0x2A, 0x00, 0x80, len(digest_info)]) + digest_info + b"\x00"


# ---------------------------------------------------------------------------
# Responses


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    @property
    def sw_text(self) -> str:
        return f"{self.sw >> 8:02X} {self.sw & 0xFF:02X}"


def split_response(raw: bytes) -> Response:
    """Split an R-APDU into its data and status word."""
    if len(raw) < 2:
        raise CardDataError("the reader answered fewer than two bytes")
    return Response(data=bytes(raw[:-2]), sw=int.from_bytes(raw[-2:], "big"))


def tries_left(sw: int) -> int | None:
    """Tries left from a VERIFY status word: ``63 Cx`` → x, ``69 84`` → 0, else None."""
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    if sw == SW_BLOCKED:
        return 0
    return None


def certificate_length(header: bytes) -> int:
    """Total DER length of a certificate from its first four bytes (``30 82 HH LL``)."""
    if len(header) < 4 or header[0] != 0x30:
        raise CardDataError("the file does not start with a DER SEQUENCE")
    if header[1] == 0x82:
        return int.from_bytes(header[2:4], "big") + 4
    if header[1] == 0x81:
        return header[2] + 3
    if header[1] < 0x80:
        return header[1] + 2
    raise CardDataError("unsupported certificate length form")


# ---------------------------------------------------------------------------
# BER-TLV


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    start: int
    """Offset of the tag's first byte in the parsed buffer."""
    value_start: int
    """Offset of the value's first byte in the parsed buffer."""

    @property
    def end(self) -> int:
        return self.value_start + len(self.value)


def _is_filler(data: bytes, position: int, limit: int) -> bool:
    if position >= limit:
        return True
    if data[position : position + 2] == b"\xff\xff":
        return True
    return all(byte in (0x00, 0xFF) for byte in data[position:limit])


def _read_one(data: bytes, position: int, limit: int) -> Tlv:
    tlv_start = position
    tag = data[position]
    position += 1
    if tag & 0x1F == 0x1F:
        for _ in range(2):
            if position >= limit:
                raise CardDataError("a TLV tag runs past the end")
            byte = data[position]
            position += 1
            tag = (tag << 8) | byte
            if not byte & 0x80:
                break
        else:
            raise CardDataError("a TLV tag is longer than three bytes")
    if position >= limit:
        raise CardDataError("a TLV has no length")
    first = data[position]
    position += 1
    if first < 0x80:
        length = first
    elif 0x81 <= first <= 0x83:
        count = first - 0x80
        if position + count > limit:
            raise CardDataError("a TLV length runs past the end")
        length = int.from_bytes(data[position : position + count], "big")
        position += count
    else:
        raise CardDataError("unsupported TLV length form")
    if position + length > limit:
        raise CardDataError("a TLV value runs past the end")
    value = bytes(data[position : position + length])
    return Tlv(tag=tag, value=value, start=tlv_start, value_start=position)


def _bounds(data: bytes, start: int, end: int | None) -> int:
    limit = len(data) if end is None else end
    if not 0 <= start <= limit <= len(data):
        raise CardDataError("TLV bounds outside the data")
    return limit


def parse_tlv(data: bytes, *, start: int = 0, end: int | None = None) -> list[Tlv]:
    """Parse consecutive BER-TLV objects in ``data[start:end]`` (offsets stay file offsets).

    Tags of one to three bytes, lengths in the short form or ``81``/``82``/``83``. Parsing stops
    at the end or at ``FF FF`` / ``00`` filler; a length running past the end is an error.
    """
    limit = _bounds(data, start, end)
    objects: list[Tlv] = []
    position = start
    while not _is_filler(data, position, limit):
        tlv = _read_one(data, position, limit)
        objects.append(tlv)
        position = tlv.end
    return objects


def parse_first(data: bytes, *, start: int = 0, end: int | None = None) -> Tlv:
    """The one TLV object at ``start``; what follows its declared length is not looked at."""
    limit = _bounds(data, start, end)
    if _is_filler(data, start, limit):
        raise CardDataError("no TLV object where one was expected")
    return _read_one(data, start, limit)


def _first(objects: list[Tlv], tag: int) -> Tlv | None:
    return next((tlv for tlv in objects if tlv.tag == tag), None)


def _container(data: bytes, tag: int) -> Tlv:
    outer = parse_first(data)
    if outer.tag != tag:
        raise CardDataError(f"the file does not start with tag {tag:04X}")
    return outer


# ---------------------------------------------------------------------------
# 券面事項入力補助AP files


@dataclass(frozen=True)
class BasicFour:
    """The basic four items (基本4情報) as printed on the card."""

    name: str
    address: str
    birth_date: str
    """ISO date ``YYYY-MM-DD``."""
    sex: str
    """``1`` male, ``2`` female, ``9`` not applicable (ISO/IEC 5218 style)."""

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "address": self.address,
            "birth_date": self.birth_date,
            "sex": self.sex,
        }

    def __repr__(self) -> str:  # never print personal data by accident
        return "BasicFour(…)"


_BASIC_FOUR_TAGS = (0xDF22, 0xDF23, 0xDF24, 0xDF25)


def _basic_four_by_offsets(data: bytes, outer: Tlv) -> dict[int, bytes] | None:
    """The four items through the DF 21 table of offsets, or None if it does not hold up."""
    inner = parse_tlv(data, start=outer.value_start, end=outer.end)
    table = _first(inner, 0xDF21)
    if table is None or len(table.value) < 8:
        return None
    found: dict[int, bytes] = {}
    for index, tag in enumerate(_BASIC_FOUR_TAGS):
        offset = int.from_bytes(table.value[2 * index : 2 * index + 2], "big")
        if not outer.value_start <= offset < outer.end:
            return None
        try:
            item = parse_first(data, start=offset, end=outer.end)
        except CardDataError:
            return None
        if item.tag != tag:
            return None
        found[tag] = item.value
    return found


def _decode_text(value: bytes, what: str) -> str:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise CardDataError(f"the {what} is not UTF-8") from None
    if any(ord(character) < 0x20 for character in text):
        raise CardDataError(f"the {what} holds control characters")
    return text


def parse_basic_four(data: bytes) -> BasicFour:
    """Parse EF 0002: ``FF 20 { DF 21 offsets, DF 22 name, DF 23 address, DF 24, DF 25 }``.

    The DF 21 offsets are used first (they are what the card declares); when they do not point
    at the expected tags, the tags themselves are looked up inside the container.
    """
    outer = _container(data, 0xFF20)
    values = _basic_four_by_offsets(data, outer)
    if values is None:
        inner = parse_tlv(data, start=outer.value_start, end=outer.end)
        values = {}
        for tag in _BASIC_FOUR_TAGS:
            tlv = _first(inner, tag)
            if tlv is None:
                raise CardDataError(f"tag {tag:04X} is missing from the basic four items")
            values[tag] = tlv.value
    name = _decode_text(values[0xDF22], "name")
    address = _decode_text(values[0xDF23], "address")
    birth = values[0xDF24]
    if len(birth) != 8 or not birth.isdigit():
        raise CardDataError("the birth date is not eight digits")
    birth_text = birth.decode("ascii")
    month, day = int(birth_text[4:6]), int(birth_text[6:8])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise CardDataError("the birth date is not a date")
    sex = values[0xDF25]
    if sex not in (b"1", b"2", b"9"):
        raise CardDataError("the sex code is not 1, 2 or 9")
    if not name.strip():
        raise CardDataError("the name is empty")
    return BasicFour(
        name=name,
        address=address,
        birth_date=f"{birth_text[:4]}-{birth_text[4:6]}-{birth_text[6:]}",
        sex=sex.decode("ascii"),
    )


def basic_four_hashed_part(data: bytes) -> bytes:
    """EF 0002 from the DF 22 tag to the end of the FF 20 container (what DF 32 hashes)."""
    outer = _container(data, 0xFF20)
    inner = parse_tlv(data, start=outer.value_start, end=outer.end)
    name = _first(inner, 0xDF22)
    if name is None:
        raise CardDataError("tag DF22 is missing from the basic four items")
    return bytes(data[name.start : outer.end])


def my_number_record(data: bytes) -> bytes:
    """The 17 bytes of EF 0001 that DF 31 hashes, checked for shape; the number is not returned."""
    outer = _container(data, 0xFF10)
    if len(outer.value) != 12 or not outer.value.isdigit():
        raise CardDataError("EF 0001 does not hold twelve digits")
    record = bytes(data[:17])
    if len(record) != 17:
        raise CardDataError("EF 0001 is shorter than 17 bytes")
    return record


@dataclass(frozen=True)
class IntegrityRecord:
    my_number_sha256: bytes
    basic_four_sha256: bytes
    signature: bytes


def parse_integrity(data: bytes) -> IntegrityRecord:
    """Parse EF 0003: ``FF 30 { DF 31 hash, DF 32 hash, DF 33 signature }``."""
    outer = _container(data, 0xFF30)
    inner = parse_tlv(data, start=outer.value_start, end=outer.end)
    parts = {tag: _first(inner, tag) for tag in (0xDF31, 0xDF32, 0xDF33)}
    first_hash, second_hash, signature = parts[0xDF31], parts[0xDF32], parts[0xDF33]
    if first_hash is None or second_hash is None:
        raise CardDataError("the integrity record lacks its hashes")
    if len(first_hash.value) != 32 or len(second_hash.value) != 32:
        raise CardDataError("the integrity hashes are not SHA-256")
    return IntegrityRecord(
        my_number_sha256=first_hash.value,
        basic_four_sha256=second_hash.value,
        signature=b"" if signature is None else signature.value,
    )


def integrity_matches(
    *, my_number_file: bytes, basic_four_file: bytes, integrity_file: bytes
) -> bool:
    """Whether EF 0003's two hashes match EF 0001 and EF 0002 as read.

    A mismatch means the files were read wrongly or altered; the card's own signature over the
    record cannot be checked without a J-LIS key that is not published.
    """
    record = parse_integrity(integrity_file)
    my_number = hashlib.sha256(my_number_record(my_number_file)).digest()
    basic_four = hashlib.sha256(basic_four_hashed_part(basic_four_file)).digest()
    return my_number == record.my_number_sha256 and basic_four == record.basic_four_sha256
