"""ISO 7816-4 command APDUs as the virtual card parses them, and the status words it answers.

Short and extended lengths are both parsed (the four cases of ISO 7816-3 §12.1); anything
that fits none of them is a wrong length. Nothing here knows about My Number Cards.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SW_BLOCKED",
    "SW_CLA_NOT_SUPPORTED",
    "SW_COMMAND_NOT_ALLOWED",
    "SW_END_OF_FILE",
    "SW_FILE_NOT_FOUND",
    "SW_INS_NOT_SUPPORTED",
    "SW_OK",
    "SW_SECURITY_NOT_SATISFIED",
    "SW_WRONG_DATA",
    "SW_WRONG_LENGTH",
    "SW_WRONG_P1P2",
    "Command",
    "MalformedApdu",
    "parse",
    "sw_tries_left",
]

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"  # Lc/Le inconsistent with the APDU's length, or not allowed here
SW_SECURITY_NOT_SATISFIED = b"\x69\x82"  # the file or key needs a PIN not verified
SW_BLOCKED = b"\x69\x84"  # reference data not usable: the PIN is blocked
SW_COMMAND_NOT_ALLOWED = b"\x69\x86"  # no current EF, or the current EF is the wrong kind
SW_WRONG_DATA = b"\x6a\x80"  # data field wrong (a DigestInfo too long for the key)
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_WRONG_P1P2 = b"\x6a\x86"
SW_END_OF_FILE = b"\x6b\x00"  # offset at or beyond the end of the EF
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_CLA_NOT_SUPPORTED = b"\x6e\x00"


def sw_tries_left(tries: int) -> bytes:
    """``63 Cx``: verification failed (or not yet done), x tries left."""
    return bytes([0x63, 0xC0 | (tries & 0x0F)])


class MalformedApdu(ValueError):
    """The bytes are no ISO 7816-4 command APDU; the card answers ``67 00``."""


@dataclass(frozen=True)
class Command:
    """One command APDU. ``le`` is None when no response data is expected (cases 1 and 3);
    a present Le of 0 means the maximum (256 short, 65536 extended), already expanded."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None


def parse(apdu: bytes) -> Command:
    """Parse a command APDU (ISO 7816-3 §12.1.3, cases 1, 2S/E, 3S/E, 4S/E)."""
    if len(apdu) < 4:
        raise MalformedApdu("shorter than a header")
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    if not body:  # case 1
        return Command(cla, ins, p1, p2, b"", None)
    if len(body) == 1:  # case 2S
        return Command(cla, ins, p1, p2, b"", body[0] or 256)
    if body[0] != 0:  # short Lc
        lc = body[0]
        if len(body) == 1 + lc:  # case 3S
            return Command(cla, ins, p1, p2, bytes(body[1:]), None)
        if len(body) == 2 + lc:  # case 4S
            return Command(cla, ins, p1, p2, bytes(body[1 : 1 + lc]), body[-1] or 256)
        raise MalformedApdu("short Lc does not match the length")
    # Extended: a zero byte, then two bytes of Lc or Le.
    if len(body) == 3:  # case 2E
        return Command(cla, ins, p1, p2, b"", int.from_bytes(body[1:3], "big") or 65536)
    if len(body) < 3:
        raise MalformedApdu("truncated extended length")
    lc = int.from_bytes(body[1:3], "big")
    if lc == 0:
        raise MalformedApdu("extended Lc of zero")
    if len(body) == 3 + lc:  # case 3E
        return Command(cla, ins, p1, p2, bytes(body[3:]), None)
    if len(body) == 5 + lc:  # case 4E
        le = int.from_bytes(body[-2:], "big") or 65536
        return Command(cla, ins, p1, p2, bytes(body[3 : 3 + lc]), le)
    raise MalformedApdu("extended Lc does not match the length")
