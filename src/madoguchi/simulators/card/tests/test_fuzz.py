"""Whatever a reader sends, the card answers with a status word ISO 7816-4 defines and never
raises: random bytes, and random sequences of well-formed commands that walk its states."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.simulators.card import apdu
from madoguchi.simulators.card.card import AID_CARD_INFO, AID_FACE, AID_JPKI, VirtualMyNumberCard

FIXED_STATUS_WORDS = {
    "9000", "6700", "6982", "6984", "6986", "6A80", "6A82", "6A86", "6B00", "6D00", "6E00",
}  # fmt: skip
EFS = ["0001", "0002", "0003", "0004", "0005", "0006", "000A", "000B", "0011", "0017",
       "0018", "001A", "001B", "FFFF"]  # fmt: skip


def valid_status(response: bytes) -> bool:
    sw = response[-2:].hex().upper()
    return sw in FIXED_STATUS_WORDS or (sw[:3] == "63C" and sw[3] in "012345")


def short_apdu(header: bytes, data: bytes, le: int | None) -> bytes:
    body = bytes([len(data)]) + data if data else b""
    return header + body + (bytes([le]) if le is not None else b"")


commands = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([AID_JPKI, AID_CARD_INFO, AID_FACE]).map(
        lambda aid: bytes.fromhex("00A4040C0A") + aid
    ),
    st.sampled_from(EFS).map(lambda ef: bytes.fromhex(f"00A4020C02{ef}")),
    st.builds(
        lambda p1, p2, le: bytes([0x00, 0xB0, p1, p2, le]),
        st.integers(0, 0xFF),
        st.integers(0, 0xFF),
        st.integers(0, 0xFF),
    ),
    st.builds(
        lambda pin: short_apdu(bytes.fromhex("00200080"), pin, None),
        st.sampled_from([b"", b"1234", b"5678", b"ABC123", b"0000"]) | st.binary(max_size=20),
    ),
    st.builds(
        lambda data, le: short_apdu(bytes.fromhex("802A0080"), data, le),
        st.binary(min_size=1, max_size=255),
        st.none() | st.integers(0, 0xFF),
    ),
    st.builds(
        lambda header, data, le: short_apdu(header, data, le),
        st.binary(min_size=4, max_size=4),
        st.binary(max_size=255),
        st.none() | st.integers(0, 0xFF),
    ),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(commands | st.sampled_from(["reset", "power"]), max_size=30))
def test_any_command_sequence_gets_a_valid_status_word_and_never_raises(
    make_card: Callable[[], VirtualMyNumberCard], sequence: list[bytes | str]
) -> None:
    card = make_card()
    for command in sequence:
        if command == "reset":
            card.reset()
            continue
        if command == "power":
            card.power_down()
            card.power_up()
            continue
        assert isinstance(command, bytes)

        response = card.execute(command)

        assert len(response) >= 2
        assert valid_status(response), (command.hex(), response[-2:].hex())
        if response[-2:] != b"\x90\x00":
            assert len(response) == 2  # data only with success


@given(
    header=st.binary(min_size=4, max_size=4),
    data=st.binary(max_size=600),
    le=st.none() | st.integers(1, 65536),
    extended=st.booleans(),
)
def test_the_apdu_parser_reads_back_what_any_case_encodes(
    header: bytes, data: bytes, le: int | None, extended: bool
) -> None:
    extended = extended or len(data) > 255 or (le is not None and le > 256)
    if extended:
        body = (b"\x00" + len(data).to_bytes(2, "big") + data) if data else b""
        if le is not None:
            le_bytes = (le % 65536).to_bytes(2, "big")
            body += le_bytes if data else b"\x00" + le_bytes
    else:
        body = (bytes([len(data)]) + data) if data else b""
        if le is not None:
            body += bytes([le % 256])

    command = apdu.parse(header + body)

    assert (command.cla, command.ins, command.p1, command.p2) == tuple(header)
    assert command.data == data
    assert command.le == le
