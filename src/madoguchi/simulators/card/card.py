"""A virtual My Number Card: the APDU state machine readers and the counter agent talk to.

It models what /work/shared/MYNUMBER-CARD.md describes and docs/counter.md lists: the JPKI AP,
the card-info input support AP (券面事項入力補助AP) and the face AP's AID (券面AP: selectable,
nothing readable); SELECT by AID and by EF, READ BINARY with offsets, VERIFY with retry
counters, and the JPKI signature command. It does not model secure messaging, 照合番号B, the
face image or characters outside Unicode (外字).

Status words for malformed commands, as ISO 7816-4 assigns them: an APDU that fits none of
the four cases, a READ BINARY without Le, a SELECT with the wrong data length or a signature
request without Le → ``67 00``; an instruction the card does not have → ``6D 00``; a class
byte other than ``00`` (``80`` for the signature command) → ``6E 00``; unsupported P1/P2 →
``6A 86``. Where a real card's answer is unknown the choice is documented at the handler.

Pure Python with ``cryptography``: no Django, so the agent's tests can drive it directly.
:func:`card_for` alone reads the simulator's database (the demo residents' certificates).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa

from . import apdu, files
from .apdu import Command

__all__ = [
    "AID_CARD_INFO",
    "AID_FACE",
    "AID_JPKI",
    "ATR",
    "CARD_INFO_PIN_TRIES",
    "JPKI_AUTH_PIN_TRIES",
    "JPKI_SIGNING_PASSWORD_TRIES",
    "VirtualMyNumberCard",
    "card_for",
    "demo_my_number",
    "other_persons_card",
    "revoked_card",
]

# Contactless-style (PC/SC part 3 for ISO 14443-4 type B), TCK valid.
ATR = bytes.fromhex("3B888001000005E0B381A1007F")
AID_JPKI = bytes.fromhex("D392F000260100000001")
AID_CARD_INFO = bytes.fromhex("D3921000310001010408")
AID_FACE = bytes.fromhex("D3921000310001010402")

CARD_INFO_PIN_TRIES = 3
JPKI_AUTH_PIN_TRIES = 3
JPKI_SIGNING_PASSWORD_TRIES = 5

_SIGN_CLA = 0x80
_SIGN_INS = 0x2A
_RSA_BYTES = 256


@dataclass
class _Pin:
    value: bytes
    max_tries: int
    tries: int = 0
    verified: bool = False

    def __post_init__(self) -> None:
        self.tries = self.max_tries

    @property
    def blocked(self) -> bool:
        return self.tries == 0


@dataclass(frozen=True)
class _File:
    """An EF: readable content (``None`` for PIN and key EFs) and the PIN its reads need."""

    content: bytes | None = None
    read_pin: str | None = None  # the EF id of the PIN, or "never"
    key: rsa.RSAPrivateKey | None = None
    key_pin: str | None = None


@dataclass
class _Application:
    files: dict[bytes, _File]
    pins: dict[bytes, _Pin] = field(default_factory=dict)


class VirtualMyNumberCard:
    """One My Number Card. Build it from plain data, or with :func:`card_for` for a demo resident.

    ``birth_date`` and the text are recorded as given: pass full-width names with U+3000
    between family and given name, as the card holds them. ``sex`` is the card's code.
    Certificates are DER. ``integrity_key`` signs EF 0003 (default: the process's test key,
    whose card-verifiable certificate is EF 0004).
    """

    ATR = ATR

    def __init__(
        self,
        *,
        name: str,
        address: str,
        birth_date: date,
        sex: Literal["1", "2", "9"],
        my_number: str,
        card_info_pin: str,
        auth_pin: str,
        signing_password: str,
        auth_key: rsa.RSAPrivateKey,
        auth_certificate: bytes,
        auth_ca_certificate: bytes,
        signing_key: rsa.RSAPrivateKey,
        signing_certificate: bytes,
        signing_ca_certificate: bytes,
        integrity_key: rsa.RSAPrivateKey | None = None,
        issuer_key: rsa.RSAPrivateKey | None = None,
    ) -> None:
        default_ap_key, default_issuer = files.integrity_keys()
        ap_key = integrity_key or default_ap_key
        self.integrity_public_key = ap_key.public_key()
        ef_0001 = files.my_number_file(my_number)
        ef_0002 = files.basic_four_file(files.BasicFour(name, address, birth_date, sex))
        card_info = _Application(
            files={
                b"\x00\x11": _File(),
                b"\x00\x01": _File(ef_0001, read_pin="0011"),
                b"\x00\x02": _File(ef_0002, read_pin="0011"),
                b"\x00\x03": _File(files.integrity_file(ef_0001, ef_0002, ap_key), read_pin="0011"),
                b"\x00\x04": _File(files.cv_certificate_file(ap_key, issuer_key or default_issuer)),
                b"\x00\x05": _File(files.ap_information_file()),
            },
            pins={b"\x00\x11": _Pin(_ascii(card_info_pin), CARD_INFO_PIN_TRIES)},
        )
        jpki = _Application(
            files={
                b"\x00\x0a": _File(files.certificate_file(auth_certificate)),
                b"\x00\x0b": _File(files.certificate_file(auth_ca_certificate)),
                b"\x00\x01": _File(files.certificate_file(signing_certificate), read_pin="001B"),
                b"\x00\x02": _File(files.certificate_file(signing_ca_certificate)),
                b"\x00\x06": _File(files.token_label_file()),
                b"\x00\x17": _File(key=auth_key, key_pin="0018"),
                b"\x00\x1a": _File(key=signing_key, key_pin="001B"),
                b"\x00\x18": _File(),
                b"\x00\x1b": _File(),
            },
            pins={
                b"\x00\x18": _Pin(_ascii(auth_pin), JPKI_AUTH_PIN_TRIES),
                b"\x00\x1b": _Pin(_ascii(signing_password.upper()), JPKI_SIGNING_PASSWORD_TRIES),
            },
        )
        # The face AP: its files exist, but reading them needs 照合番号B (not modelled).
        face = _Application(
            files={
                b"\x00\x02": _File(b"", read_pin="never"),
                b"\x00\x05": _File(b"", read_pin="never"),
            }
        )
        self._applications = {AID_JPKI: jpki, AID_CARD_INFO: card_info, AID_FACE: face}
        self._current: _Application | None = None
        self._ef: bytes | None = None
        self._lock = threading.Lock()
        self.powered = False
        self.my_number = my_number
        self._handlers: dict[int, Callable[[Command], bytes]] = {
            0xA4: self._select,
            0xB0: self._read_binary,
            0x20: self._verify,
            _SIGN_INS: self._sign,
        }

    # --- power -----------------------------------------------------------------------

    def power_up(self) -> None:
        with self._lock:
            self.powered = True
            self._clear_security_state()

    def power_down(self) -> None:
        with self._lock:
            self.powered = False
            self._clear_security_state()

    def reset(self) -> None:
        """A warm reset: nothing selected, nothing verified; retry counters are kept."""
        with self._lock:
            self.powered = True
            self._clear_security_state()

    def _clear_security_state(self) -> None:
        self._current = None
        self._ef = None
        for application in self._applications.values():
            for pin in application.pins.values():
                pin.verified = False

    # --- introspection for tests -----------------------------------------------------

    def tries_left(self, aid: bytes, pin_ef: str) -> int:
        """How many tries the PIN in EF ``pin_ef`` (e.g. "0018") of ``aid`` has left."""
        return self._applications[aid].pins[bytes.fromhex(pin_ef)].tries

    # --- commands --------------------------------------------------------------------

    def execute(self, command: bytes) -> bytes:
        """Answer one command APDU with the response APDU (data + SW1 SW2)."""
        with self._lock:
            try:
                parsed = apdu.parse(bytes(command))
            except apdu.MalformedApdu:
                return apdu.SW_WRONG_LENGTH
            handler = self._handlers.get(parsed.ins)
            if handler is None:
                return apdu.SW_INS_NOT_SUPPORTED
            expected_cla = _SIGN_CLA if parsed.ins == _SIGN_INS else 0x00
            if parsed.cla != expected_cla:
                return apdu.SW_CLA_NOT_SUPPORTED
            return handler(parsed)

    def _select(self, command: Command) -> bytes:
        # P2 0C: no FCI (what every reader sends). P2 00 asks for FCI; we have none to give
        # and answer 90 00 without data rather than invent a template.
        if command.p2 not in (0x0C, 0x00):
            return apdu.SW_WRONG_P1P2
        if command.p1 == 0x04:
            if not command.data:
                return apdu.SW_WRONG_LENGTH
            application = self._applications.get(command.data)
            if application is None:
                return apdu.SW_FILE_NOT_FOUND
            # Selecting a DF (even the same one again) logs every PIN out.
            self._clear_security_state()
            self._current = application
            return apdu.SW_OK
        if command.p1 == 0x02:
            if len(command.data) != 2:
                return apdu.SW_WRONG_LENGTH
            if self._current is None or command.data not in self._current.files:
                return apdu.SW_FILE_NOT_FOUND
            self._ef = command.data
            return apdu.SW_OK
        return apdu.SW_WRONG_P1P2

    def _pin(self, reference: str | None) -> _Pin | None:
        if self._current is None or reference is None or reference == "never":
            return None
        return self._current.pins.get(bytes.fromhex(reference))

    def _read_binary(self, command: Command) -> bytes:
        if command.p1 & 0x80:  # a short EF identifier in P1: not supported by this card
            return apdu.SW_WRONG_P1P2
        if command.data or command.le is None:
            return apdu.SW_WRONG_LENGTH
        if self._current is None or self._ef is None:
            return apdu.SW_COMMAND_NOT_ALLOWED
        ef = self._current.files[self._ef]
        if ef.content is None:  # PIN and key EFs are never readable
            return apdu.SW_SECURITY_NOT_SATISFIED
        if ef.read_pin is not None:
            pin = self._pin(ef.read_pin)
            if pin is None or not pin.verified:
                return apdu.SW_SECURITY_NOT_SATISFIED
        offset = (command.p1 << 8) | command.p2
        if offset >= len(ef.content):
            return apdu.SW_END_OF_FILE
        # Fewer bytes than Le near the end: returned with 90 00 (a real card may say 62 82).
        return ef.content[offset : offset + command.le] + apdu.SW_OK

    def _verify(self, command: Command) -> bytes:
        if command.p1 != 0x00 or command.p2 != 0x80:
            return apdu.SW_WRONG_P1P2
        if command.le is not None:
            return apdu.SW_WRONG_LENGTH
        pin = self._current_pin()
        if pin is None:
            return apdu.SW_COMMAND_NOT_ALLOWED
        if pin.blocked:
            return apdu.SW_BLOCKED
        if not command.data:  # the tries query: spends nothing
            return apdu.SW_OK if pin.verified else apdu.sw_tries_left(pin.tries)
        if command.data == pin.value:
            pin.tries = pin.max_tries
            pin.verified = True
            return apdu.SW_OK
        pin.tries -= 1
        pin.verified = False
        return apdu.sw_tries_left(pin.tries)

    def _current_pin(self) -> _Pin | None:
        """The PIN VERIFY addresses: the selected PIN EF; with none selected, the AP's only
        PIN (the card-info AP has one; in the JPKI AP select 0018 or 001B first)."""
        if self._current is None:
            return None
        if self._ef is not None and self._ef in self._current.pins:
            return self._current.pins[self._ef]
        if len(self._current.pins) == 1:
            return next(iter(self._current.pins.values()))
        return None

    def _sign(self, command: Command) -> bytes:
        if command.p1 != 0x00 or command.p2 != 0x80:
            return apdu.SW_WRONG_P1P2
        if not command.data or command.le is None:
            return apdu.SW_WRONG_LENGTH
        if self._current is None or self._ef is None:
            return apdu.SW_COMMAND_NOT_ALLOWED
        ef = self._current.files[self._ef]
        if ef.key is None:
            return apdu.SW_COMMAND_NOT_ALLOWED
        pin = self._pin(ef.key_pin)
        if pin is None or not pin.verified:
            return apdu.SW_SECURITY_NOT_SATISFIED
        if len(command.data) > _RSA_BYTES - 11:
            return apdu.SW_WRONG_DATA
        return pkcs1_type1_sign(ef.key, command.data) + apdu.SW_OK


def pkcs1_type1_sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    """RSA over ``00 01 FF… 00 data`` (PKCS#1 v1.5 type 1), with ``data`` as given: the card
    pads a DigestInfo the reader built and checks neither the hash nor its algorithm."""
    numbers = key.private_numbers()
    size = (key.key_size + 7) // 8
    block = b"\x00\x01" + b"\xff" * (size - 3 - len(data)) + b"\x00" + data
    message = int.from_bytes(block, "big")
    # CRT: four times faster than pow(m, d, n), and this runs on every signature.
    m1 = pow(message, numbers.dmp1, numbers.p)
    m2 = pow(message, numbers.dmq1, numbers.q)
    h = (numbers.iqmp * (m1 - m2)) % numbers.p
    return (m2 + h * numbers.q).to_bytes(size, "big")


def _ascii(secret: str) -> bytes:
    if not secret.isascii():
        raise ValueError("PINs and passwords are ASCII")
    return secret.encode("ascii")


# --- demo residents -----------------------------------------------------------------------

# The demo resident whose certificates devidp's CRLs list.
REVOKED_RESIDENT = "kaga-takahashi"


def demo_my_number(resident_id: str) -> str:
    """A fictional but well-formed My Number for a demo resident (stable, check digit valid)."""
    digest = int.from_bytes(hashlib.sha256(f"madoguchi-demo:{resident_id}".encode()).digest())
    eleven = f"{digest % 10**11:011d}"
    return eleven + files.my_number_check_digit(eleven)


def card_for(resident_id: str) -> VirtualMyNumberCard:
    """The card of a devidp demo resident (simulators/idp/residents.py).

    Its certificates and keys are the ones devidp issued and stored for that resident, under
    the test PKI the server trusts in development and tests, so what it signs verifies.
    Reads the database (the stored hierarchy): call it where Django and a database are set up.
    PINs are the resident's: card-info PIN = authentication PIN (4 digits), signing password
    = devidp's ``sign_pin``. Unknown id: :class:`LookupError`.
    """
    from madoguchi.simulators.idp import authorities
    from madoguchi.simulators.idp.hierarchy import to_der
    from madoguchi.simulators.idp.residents import card_text, get_resident

    resident = get_resident(resident_id)
    issued = authorities.card(resident)
    hierarchy = authorities.test_pki()
    name, _ = card_text(resident.name)
    address, _ = card_text(resident.address)
    return VirtualMyNumberCard(
        name=name,
        address=address,
        birth_date=resident.birth_date,
        sex="1" if resident.sex == "male" else "2",
        my_number=demo_my_number(resident.id),
        card_info_pin=resident.auth_pin,
        auth_pin=resident.auth_pin,
        signing_password=resident.sign_pin,
        auth_key=issued.auth_key,
        auth_certificate=to_der(issued.auth_certificate),
        auth_ca_certificate=to_der(hierarchy.auth.certificate),
        signing_key=issued.signing_key,
        signing_certificate=to_der(issued.signing_certificate),
        signing_ca_certificate=to_der(hierarchy.sign.certificate),
    )


def revoked_card() -> VirtualMyNumberCard:
    """The card of the demo resident whose certificates are revoked (on devidp's CRLs)."""
    return card_for(REVOKED_RESIDENT)


def other_persons_card(resident_id: str) -> VirtualMyNumberCard:
    """A valid card of a demo resident other than ``resident_id``: "another person's card"
    for tests that read one card and sign with another."""
    from madoguchi.simulators.idp.residents import RESIDENTS

    other = next(r for r in RESIDENTS if r.id != resident_id and r.card_state == "valid")
    return card_for(other.id)
