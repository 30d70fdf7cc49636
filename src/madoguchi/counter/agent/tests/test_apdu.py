from __future__ import annotations

import contextlib
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.counter.agent import apdu
from madoguchi.counter.agent.apdu import CardDataError


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n <= 0xFF:
        return bytes([0x81, n])
    return bytes([0x82]) + n.to_bytes(2, "big")


def _tlv(tag: bytes, value: bytes) -> bytes:
    return tag + _length(len(value)) + value


def basic_four_file(
    name: str, address: str, birth: str, sex: str, *, offsets: bool = True, filler: int = 64
) -> bytes:
    fields = [
        _tlv(b"\xdf\x22", name.encode()),
        _tlv(b"\xdf\x23", address.encode()),
        _tlv(b"\xdf\x24", birth.encode()),
        _tlv(b"\xdf\x25", sex.encode()),
    ]
    inner_length = 11 + sum(map(len, fields))
    header = b"\xff\x20" + _length(inner_length)
    position = len(header) + 11
    table = b""
    for field in fields:
        table += (position if offsets else 0x7777).to_bytes(2, "big")
        position += len(field)
    return header + _tlv(b"\xdf\x21", table) + b"".join(fields) + b"\xff" * filler


def test_commands_are_the_short_apdus_the_open_source_readers_send() -> None:
    assert apdu.select_aid(apdu.JPKI_AID).hex(" ").upper() == (
        "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
    )
    assert apdu.select_ef(0x0018).hex(" ").upper() == "00 A4 02 0C 02 00 18"
    assert apdu.read_binary(0x0100, 256).hex(" ").upper() == "00 B0 01 00 00"
    assert apdu.read_binary(0, 4).hex(" ").upper() == "00 B0 00 00 04"
    assert apdu.verify(b"1234").hex(" ").upper() == "00 20 00 80 04 31 32 33 34"
    assert apdu.verify_query().hex(" ").upper() == "00 20 00 80"
    command = apdu.compute_signature(apdu.digest_info_sha256(bytes(32)))
    assert command[:5].hex(" ").upper() == "80 2A 00 80 33"
    assert command[5:24] == apdu.SHA256_DIGEST_INFO_PREFIX
    assert command[-1] == 0x00 and len(command) == 5 + 0x33 + 1


def test_status_words_give_the_tries_left() -> None:
    assert apdu.tries_left(0x63C2) == 2
    assert apdu.tries_left(0x63C0) == 0
    assert apdu.tries_left(0x6984) == 0
    assert apdu.tries_left(0x9000) is None
    assert apdu.split_response(b"\x01\x02\x90\x00") == apdu.Response(b"\x01\x02", 0x9000)
    with pytest.raises(CardDataError):
        apdu.split_response(b"\x90")


def test_tlv_parser_reads_long_lengths_and_stops_at_filler() -> None:
    data = _tlv(b"\xdf\x22", b"a" * 300) + _tlv(b"\x30", b"xy") + b"\xff\xff\xff"

    objects = apdu.parse_tlv(data)

    assert [(tlv.tag, len(tlv.value)) for tlv in objects] == [(0xDF22, 300), (0x30, 2)]
    assert objects[0].value_start == 5


def test_basic_four_items_come_from_the_offset_table() -> None:
    data = basic_four_file("加賀　太郎", "石川県加賀市大聖寺南町ニ４１", "19800401", "1")

    items = apdu.parse_basic_four(data)

    assert items.as_json() == {
        "name": "加賀　太郎",
        "address": "石川県加賀市大聖寺南町ニ４１",
        "birth_date": "1980-04-01",
        "sex": "1",
    }
    assert "加賀" not in repr(items)


def test_basic_four_items_fall_back_to_the_tags_when_the_offsets_are_wrong() -> None:
    data = basic_four_file("山田　花子", "東京都千代田区" * 20, "19991231", "2", offsets=False)

    items = apdu.parse_basic_four(data)

    assert items.name == "山田　花子" and items.birth_date == "1999-12-31" and items.sex == "2"


@pytest.mark.parametrize(
    ("birth", "sex"), [("1980041", "1"), ("19801301", "1"), ("1980ab01", "1"), ("19800401", "3")]
)
def test_basic_four_items_that_are_not_well_formed_are_refused(birth: str, sex: str) -> None:
    with pytest.raises(CardDataError):
        apdu.parse_basic_four(basic_four_file("加賀　太郎", "住所", birth, sex))


def test_integrity_hashes_match_the_files_and_detect_a_change() -> None:
    my_number = b"\xff\x10\x0c" + b"123456789012" + b"\xff\xff"
    basic_four = basic_four_file("加賀　太郎", "石川県", "19800401", "1")
    hashed_part = basic_four[basic_four.index(b"\xdf\x22") : 3 + basic_four[2]]
    record = _tlv(
        b"\xff\x30",
        _tlv(b"\xdf\x31", hashlib.sha256(my_number).digest())
        + _tlv(b"\xdf\x32", hashlib.sha256(hashed_part).digest())
        + _tlv(b"\xdf\x33", bytes(256)),
    )
    altered = basic_four_file("加賀　次郎", "石川県", "19800401", "1")

    assert apdu.integrity_matches(
        my_number_file=my_number, basic_four_file=basic_four, integrity_file=record
    )
    assert not apdu.integrity_matches(
        my_number_file=my_number, basic_four_file=altered, integrity_file=record
    )


def test_certificate_length_comes_from_the_first_four_bytes() -> None:
    assert apdu.certificate_length(bytes.fromhex("30820456")) == 0x0456 + 4
    with pytest.raises(CardDataError):
        apdu.certificate_length(bytes.fromhex("04820456"))


# --- random bytes never crash the parsers: one clear error or a result ---------------------


@given(st.binary(max_size=600))
def test_tlv_parser_on_random_bytes_raises_only_card_data_error(data: bytes) -> None:
    try:
        objects = apdu.parse_tlv(data)
    except CardDataError:
        return
    for tlv in objects:
        assert tlv.end <= len(data)


@given(st.binary(max_size=600))
def test_ef_parsers_on_random_bytes_raise_only_card_data_error(data: bytes) -> None:
    for parser in (apdu.parse_basic_four, apdu.parse_integrity, apdu.my_number_record):
        with contextlib.suppress(CardDataError):
            parser(data)


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=299))
def test_a_corrupted_basic_four_file_gives_a_result_or_card_data_error(
    noise: bytes, where: int
) -> None:
    data = bytearray(basic_four_file("加賀　太郎", "石川県加賀市", "19800401", "1"))
    data[where : where + len(noise)] = noise

    try:
        items = apdu.parse_basic_four(bytes(data))
    except CardDataError:
        return
    assert items.sex in ("1", "2", "9")


@given(
    name=st.text(
        alphabet=st.characters(min_codepoint=0x20, exclude_categories=("Cs",)),
        min_size=1,
        max_size=80,
    ).filter(str.strip),
    address=st.text(
        alphabet=st.characters(min_codepoint=0x20, exclude_categories=("Cs",)), max_size=200
    ),
    offsets=st.booleans(),
)
def test_basic_four_items_round_trip(name: str, address: str, offsets: bool) -> None:
    data = basic_four_file(name, address, "20000229", "9", offsets=offsets)

    items = apdu.parse_basic_four(data)

    assert (items.name, items.address, items.birth_date) == (name, address, "2000-02-29")
