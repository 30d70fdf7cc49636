"""Operations on a My Number Card over a transport (PC/SC in production).

``MyNumberCardSession`` follows the recommended sequence of /work/shared/MYNUMBER-CARD.md as the
open-source readers do it: select the application, ask the tries left with an empty VERIFY,
VERIFY, and read or sign in the same selection (a verified PIN is lost when the application is
selected again). Failures raise ``AgentError`` with a code of the agent's HTTP contract.

Nothing here logs a PIN, a password, the My Number or the basic four items: only the step and
the status word.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from . import apdu

logger = logging.getLogger("madoguchi.counter.agent")

MAX_FILE_BYTES = 8192
HEADER_BYTES = 7
# EF 0001 of the card-info AP: FF 10 0C, twelve digits, FF FF; all 17 bytes are hashed (DF 31).
MY_NUMBER_EF_BYTES = 17


class AgentError(Exception):
    """A failure the agent reports to the page as ``{"error": code, ...}``."""

    def __init__(self, code: str, message: str, *, tries_left: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.tries_left = tries_left


class Transport(Protocol):
    """One connection to one card in one reader."""

    @property
    def reader_name(self) -> str: ...

    def transmit(self, command: bytes) -> bytes:
        """Send a C-APDU, return the R-APDU (data + SW1 SW2); raise ``AgentError`` on loss."""
        ...

    def close(self) -> None: ...


class Connector(Protocol):
    """Finds the reader and connects to the card in it (a new transport per operation)."""

    def reader(self) -> str | None:
        """The reader the agent would use, or None when there is none."""
        ...

    def connect(self) -> Transport:
        """A transport to the card; raises ``AgentError`` ``no_reader`` or ``no_card``."""
        ...


# ---------------------------------------------------------------------------
# PC/SC through pyscard, imported only when used


def _pyscard() -> Any:
    try:
        import smartcard.Exceptions
        import smartcard.pcsc.PCSCExceptions
        import smartcard.System
    except ImportError as error:  # pragma: no cover - depends on the machine
        raise AgentError(
            "no_reader",
            "pyscard is not installed: pip install 'madoguchi[counter-agent]'",
        ) from error
    return smartcard


def _pcsc_errors() -> tuple[type[Exception], ...]:
    """pyscard's two exception families (connection errors; PC/SC context errors)."""
    smartcard = _pyscard()
    return (
        smartcard.Exceptions.SmartcardException,
        smartcard.pcsc.PCSCExceptions.BaseSCardException,
    )


def list_readers() -> list[str]:
    """Names of the PC/SC readers (empty when pcscd runs without any, or does not run)."""
    smartcard = _pyscard()
    try:
        return [str(reader) for reader in smartcard.System.readers()]
    except _pcsc_errors():
        return []


class PcscTransport:
    """A pyscard connection; a lost card during ``transmit`` becomes ``card_removed``."""

    def __init__(self, connection: Any, reader_name: str) -> None:
        self._connection = connection
        self._reader_name = reader_name

    @property
    def reader_name(self) -> str:
        return self._reader_name

    def transmit(self, command: bytes) -> bytes:
        try:
            data, sw1, sw2 = self._connection.transmit(list(command))
        except _pcsc_errors() as error:
            raise AgentError(
                "card_removed", "the card left the reader during the operation"
            ) from error
        return bytes(data) + bytes([sw1, sw2])

    def close(self) -> None:
        """Disconnect, powering the card down (pyscard's default): no verified PIN lingers."""
        try:
            self._connection.disconnect()
        except _pcsc_errors():
            logger.info("disconnect failed (card already gone)")
        _release(self._connection)


class PcscConnector:
    """Uses the reader named ``reader`` (exact name or a part of it), else the first one."""

    def __init__(self, reader: str | None = None) -> None:
        self._wanted = reader

    def _choose(self) -> Any | None:
        smartcard = _pyscard()
        try:
            readers = smartcard.System.readers()
        except _pcsc_errors():
            return None
        if self._wanted is None:
            return readers[0] if readers else None
        exact = [reader for reader in readers if str(reader) == self._wanted]
        partial = [reader for reader in readers if self._wanted in str(reader)]
        chosen = exact or partial
        return chosen[0] if chosen else None

    def reader(self) -> str | None:
        chosen = self._choose()
        return None if chosen is None else str(chosen)

    def connect(self) -> Transport:
        smartcard = _pyscard()
        chosen = self._choose()
        if chosen is None:
            raise AgentError("no_reader", "no card reader is connected")
        connection = chosen.createConnection()
        try:
            connection.connect()
        except smartcard.Exceptions.NoCardException as error:
            _release(connection)
            raise AgentError("no_card", "no card is in the reader") from error
        except _pcsc_errors() as error:
            _release(connection)
            raise AgentError("no_card", "the card in the reader does not answer") from error
        return PcscTransport(connection, str(chosen))


def _release(connection: Any) -> None:
    """Free the connection's PC/SC context (pyscard keeps one per connection)."""
    release = getattr(connection, "release", None)
    if release is not None:
        try:
            release()
        except _pcsc_errors():
            logger.info("release failed")


# ---------------------------------------------------------------------------
# The card


@dataclass(frozen=True)
class CardStatus:
    reader: str | None
    card: bool
    card_info_pin_tries: int | None = None
    auth_pin_tries: int | None = None
    signing_password_tries: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "reader": self.reader,
            "card": self.card,
            "card_info_pin_tries": self.card_info_pin_tries,
            "auth_pin_tries": self.auth_pin_tries,
            "signing_password_tries": self.signing_password_tries,
        }


@dataclass(frozen=True)
class CardRead:
    items: apdu.BasicFour
    integrity_ok: bool
    auth_certificate: bytes
    auth_ca_certificate: bytes | None
    nonce_signature: bytes


@dataclass(frozen=True)
class CardSignature:
    certificate: bytes
    ca_certificate: bytes | None
    signature: bytes


EF_CARD_INFO_PIN = 0x0011


class MyNumberCardSession:
    """The operations of the agent on one connected card."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    # -- low level ---------------------------------------------------------

    def _send(self, command: bytes, step: str) -> apdu.Response:
        response = apdu.split_response(self.transport.transmit(command))
        if response.sw >> 8 == 0x61:  # T=0: more data waiting
            more = self.transport.transmit(bytes([0x00, 0xC0, 0x00, 0x00, response.sw & 0xFF]))
            extra = apdu.split_response(more)
            response = apdu.Response(data=response.data + extra.data, sw=extra.sw)
        elif response.sw >> 8 == 0x6C:  # wrong Le: the card says the right one
            retry = command[:-1] + bytes([response.sw & 0xFF])
            response = apdu.split_response(self.transport.transmit(retry))
        logger.debug("%s: %s", step, response.sw_text)
        return response

    def _expect_ok(self, response: apdu.Response, step: str) -> bytes:
        if response.ok:
            return response.data
        if response.sw == apdu.SW_SECURITY_NOT_SATISFIED:
            raise AgentError(
                "card_error", f"{step}: access refused by the card ({response.sw_text})"
            )
        raise AgentError("card_error", f"{step}: unexpected status {response.sw_text}")

    def _select_application(self, aid: bytes, step: str) -> None:
        response = self._send(apdu.select_aid(aid), step)
        if response.sw == apdu.SW_NOT_FOUND:
            raise AgentError("not_my_number_card", "the card has no My Number Card application")
        self._expect_ok(response, step)

    def _select_file(self, ef: int, step: str) -> bool:
        """Select an EF; False when the card does not have it."""
        response = self._send(apdu.select_ef(ef), step)
        if response.sw == apdu.SW_NOT_FOUND:
            return False
        self._expect_ok(response, step)
        return True

    def _tries(self, pin_ef: int, step: str) -> int | None:
        if not self._select_file(pin_ef, step):
            return None
        response = self._send(apdu.verify_query(), step)
        return apdu.tries_left(response.sw)

    def _verify(self, pin_ef: int, secret: bytes, step: str) -> None:
        """Ask the tries first (a blocked PIN is never tried), then VERIFY."""
        tries = self._tries(pin_ef, step)
        if tries == 0:
            raise AgentError("pin_blocked", f"{step}: the PIN is blocked", tries_left=0)
        response = self._send(apdu.verify(secret), step)
        if response.ok:
            return
        left = apdu.tries_left(response.sw)
        if left == 0:
            raise AgentError("pin_blocked", f"{step}: the PIN is now blocked", tries_left=0)
        if left is not None:
            raise AgentError("wrong_pin", f"{step}: wrong PIN", tries_left=left)
        self._expect_ok(response, step)

    def _read(self, offset: int, length: int, step: str) -> bytes:
        response = self._send(apdu.read_binary(offset, length), step)
        if response.sw == 0x6282 and response.data:  # end of file before Le: what there is
            return response.data
        data = self._expect_ok(response, step)
        if not data:
            raise AgentError("card_error", f"{step}: the card returned no data")
        return data

    def _read_all(self, total: int, first: bytes, step: str) -> bytes:
        if total > MAX_FILE_BYTES:
            raise AgentError("card_error", f"{step}: file of {total} bytes is too large")
        content = bytearray(first[:total])
        while len(content) < total:
            chunk = self._read(len(content), min(256, total - len(content)), step)
            content += chunk
        return bytes(content[:total])

    def _read_tlv_file(self, ef: int, step: str) -> bytes:
        """Read an EF holding one TLV object, as long as its header says."""
        if not self._select_file(ef, step):
            raise AgentError("card_error", f"{step}: the file is missing (6A 82)")
        header = self._read(0, HEADER_BYTES, step)
        return self._read_all(_declared_tlv_length(header), header, step)

    def _read_fixed(self, ef: int, length: int, step: str) -> bytes:
        """Read the first ``length`` bytes of an EF (EF 0001: its 17 bytes, filler included)."""
        if not self._select_file(ef, step):
            raise AgentError("card_error", f"{step}: the file is missing (6A 82)")
        return self._read_all(length, b"", step)

    def _read_certificate(self, ef: int, step: str, *, optional: bool = False) -> bytes | None:
        """Read a DER certificate: four bytes for its length, then 256-byte chunks."""
        if not self._select_file(ef, step):
            if optional:
                return None
            raise AgentError("card_error", f"{step}: the certificate is missing (6A 82)")
        header = self._read(0, 4, step)
        try:
            total = apdu.certificate_length(header)
        except apdu.CardDataError as error:
            raise AgentError("card_error", f"{step}: {error}") from None
        return self._read_all(total, header, step)

    def _sign(self, key_ef: int, digest: bytes, step: str) -> bytes:
        if not self._select_file(key_ef, step):
            raise AgentError("card_error", f"{step}: the key file is missing (6A 82)")
        command = apdu.compute_signature(apdu.digest_info_sha256(digest))
        signature = self._expect_ok(self._send(command, step), step)
        if len(signature) != 256:
            raise AgentError("card_error", f"{step}: signature of {len(signature)} bytes")
        return signature

    # -- operations --------------------------------------------------------

    def status(self) -> CardStatus:
        """Tries left of the three secrets, spending none."""
        reader = self.transport.reader_name
        try:
            self._select_application(apdu.CARD_INFO_AID, "status card info")
            card_info = self._tries(EF_CARD_INFO_PIN, "status card info PIN")
            self._select_application(apdu.JPKI_AID, "status JPKI")
            auth = self._tries(apdu.EF_AUTH_PIN, "status auth PIN")
            signing = self._tries(apdu.EF_SIGNING_PASSWORD, "status signing password")
        except AgentError as error:
            if error.code in ("card_removed",):
                raise
            logger.info("status: %s", error.code)
            return CardStatus(reader=reader, card=True)
        return CardStatus(
            reader=reader,
            card=True,
            card_info_pin_tries=card_info,
            auth_pin_tries=auth,
            signing_password_tries=signing,
        )

    def read_basic_four(self, *, pin: str, auth_pin: str, nonce: bytes) -> CardRead:
        """The basic four items, their integrity check, and the JPKI proof over ``nonce``."""
        self._select_application(apdu.CARD_INFO_AID, "select card info AP")
        self._verify(EF_CARD_INFO_PIN, pin.encode("ascii"), "verify card info PIN")
        basic_four_file = self._read_tlv_file(apdu.EF_BASIC_FOUR, "read basic four")
        my_number_file = self._read_fixed(apdu.EF_MY_NUMBER, MY_NUMBER_EF_BYTES, "read EF 0001")
        integrity_file = self._read_tlv_file(apdu.EF_INTEGRITY, "read integrity record")
        try:
            items = apdu.parse_basic_four(basic_four_file)
        except apdu.CardDataError as error:
            raise AgentError("card_error", f"basic four items: {error}") from None
        try:
            integrity_ok = apdu.integrity_matches(
                my_number_file=my_number_file,
                basic_four_file=basic_four_file,
                integrity_file=integrity_file,
            )
        except apdu.CardDataError as error:
            logger.warning("integrity record unreadable: %s", error)
            integrity_ok = False
        del my_number_file  # used for the hash only
        if not integrity_ok:
            logger.warning("integrity hashes do not match the files read")

        self._select_application(apdu.JPKI_AID, "select JPKI AP")
        certificate = self._read_certificate(apdu.EF_AUTH_CERTIFICATE, "read auth certificate")
        assert certificate is not None
        ca_certificate = self._read_certificate(
            apdu.EF_AUTH_CA_CERTIFICATE, "read auth CA certificate", optional=True
        )
        self._verify(apdu.EF_AUTH_PIN, auth_pin.encode("ascii"), "verify auth PIN")
        signature = self._sign(apdu.EF_AUTH_KEY, hashlib.sha256(nonce).digest(), "sign nonce")
        logger.info("card read done (integrity %s)", "ok" if integrity_ok else "mismatch")
        return CardRead(
            items=items,
            integrity_ok=integrity_ok,
            auth_certificate=certificate,
            auth_ca_certificate=ca_certificate,
            nonce_signature=signature,
        )

    def sign(self, *, password: str, sha256: bytes) -> CardSignature:
        """Sign a SHA-256 digest with the signing key (署名用), password upper-cased."""
        self._select_application(apdu.JPKI_AID, "select JPKI AP")
        secret = password.upper().encode("ascii")
        self._verify(apdu.EF_SIGNING_PASSWORD, secret, "verify signing password")
        certificate = self._read_certificate(
            apdu.EF_SIGNING_CERTIFICATE, "read signing certificate"
        )
        assert certificate is not None
        ca_certificate = self._read_certificate(
            apdu.EF_SIGNING_CA_CERTIFICATE, "read signing CA certificate", optional=True
        )
        signature = self._sign(apdu.EF_SIGNING_KEY, sha256, "sign document")
        logger.info("document signed")
        return CardSignature(
            certificate=certificate, ca_certificate=ca_certificate, signature=signature
        )


def _declared_tlv_length(header: bytes) -> int:
    """Total length of the TLV whose first bytes are ``header`` (tag, length, no value yet)."""
    position = 1
    if header[0] & 0x1F == 0x1F:
        while position < len(header) and header[position] & 0x80 and position < 3:
            position += 1
        position += 1
    if position >= len(header):
        raise AgentError("card_error", "file header too short")
    first = header[position]
    position += 1
    if first < 0x80:
        return position + first
    count = first - 0x80
    if not 1 <= count <= 3 or position + count > len(header):
        raise AgentError("card_error", "unsupported TLV length in a file header")
    return position + count + int.from_bytes(header[position : position + count], "big")
