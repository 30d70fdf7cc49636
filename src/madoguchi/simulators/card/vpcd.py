"""The card side of vsmartcard's vpcd protocol: a virtual card in a real pcscd's reader.

pcscd loads Debian's ``vsmartcard-vpcd`` driver, which offers the readers ``Virtual PCD 00 00``
and ``Virtual PCD 00 01`` and listens on 127.0.0.1:35963 and :35964 for a card. The card
connects over TCP; every message either way is a 2-byte big-endian length and a payload. A
1-byte message from vpcd is a control (``00`` power off, ``01`` power on, ``02`` reset, ``04``
send the ATR, which is the only one answered); anything longer is a command APDU, answered
with the response APDU. Connected = card in the reader; closing the socket = card pulled out.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Protocol

__all__ = ["DEFAULT_PORT", "READER_NAMES", "Card", "VpcdConnection", "VpcdUnavailable", "serve"]

DEFAULT_PORT = 35963
# vpcd's reader n listens on DEFAULT_PORT + n.
READER_NAMES = {35963: "Virtual PCD 00 00", 35964: "Virtual PCD 00 01"}

_POWER_OFF, _POWER_ON, _RESET, _GET_ATR = 0, 1, 2, 4

logger = logging.getLogger(__name__)


class Card(Protocol):
    """What vpcd needs from a card (:class:`~.card.VirtualMyNumberCard` is one)."""

    ATR: bytes

    def power_up(self) -> None: ...
    def power_down(self) -> None: ...
    def reset(self) -> None: ...
    def execute(self, command: bytes) -> bytes: ...


class VpcdUnavailable(ConnectionError):
    """Nothing listens on the vpcd port: pcscd is not running or has no vpcd driver."""


def _quick_ack(sock: socket.socket) -> None:
    # vpcd writes the length and the APDU in two send() calls: with Nagle on its side and
    # delayed ACKs on ours, every APDU would wait 40 ms. Linux clears TCP_QUICKACK after a
    # while, so it is set again before every read.
    if hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = b""
    while len(chunks) < size:
        _quick_ack(sock)
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return chunks


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


class VpcdConnection:
    """One card in one vpcd reader, served from a background thread.

    ``insert(card)`` connects to vpcd (the card appears in the reader), ``remove()`` closes
    the socket (pcscd sees the card go). ``insert(card, remove_after=n)`` answers n command
    APDUs and then pulls the card instead of answering the next one: a resident taking the
    card away in the middle of a read, deterministically.
    """

    def __init__(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
        self.port = port
        self.host = host
        self.reader_name = READER_NAMES.get(port, f"Virtual PCD 00 {port - DEFAULT_PORT:02d}")
        self.commands = 0
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._remove_after: int | None = None

    @property
    def inserted(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def insert(self, card: Card, *, remove_after: int | None = None, timeout: float = 10) -> None:
        """Put ``card`` in the reader; :class:`VpcdUnavailable` if vpcd does not answer in time."""
        self.remove()
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
                break
            except OSError as error:
                if time.monotonic() > deadline:
                    raise VpcdUnavailable(
                        f"nothing listens on {self.host}:{self.port}: is pcscd running with "
                        "vsmartcard-vpcd installed?"
                    ) from error
                time.sleep(0.1)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket = sock
        self.commands = 0
        self._remove_after = remove_after
        self._thread = threading.Thread(
            target=self._serve, args=(sock, card), name=f"vpcd-{self.port}", daemon=True
        )
        self._thread.start()

    def remove(self) -> None:
        """Pull the card out (a no-op when there is none)."""
        sock, thread = self._socket, self._thread
        self._socket = self._thread = None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def wait_until_removed(self, timeout: float = 10) -> bool:
        """Wait for the serving thread to end (vpcd closed the connection, or remove_after)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def __enter__(self) -> VpcdConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def _serve(self, sock: socket.socket, card: Card) -> None:
        try:
            while True:
                header = _receive_exactly(sock, 2)
                if header is None:
                    return
                message = _receive_exactly(sock, int.from_bytes(header, "big"))
                if message is None:
                    return
                if len(message) == 1:
                    self._control(sock, card, message[0])
                    continue
                if self._remove_after is not None and self.commands >= self._remove_after:
                    return  # pulled out: the command is never answered
                self.commands += 1
                _send(sock, card.execute(message))
        except OSError:
            return  # remove() closed the socket, or vpcd went away
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    @staticmethod
    def _control(sock: socket.socket, card: Card, control: int) -> None:
        if control == _POWER_OFF:
            card.power_down()
        elif control == _POWER_ON:
            card.power_up()
        elif control == _RESET:
            card.reset()
        elif control == _GET_ATR:
            _send(sock, card.ATR)
        else:
            logger.warning("vpcd sent an unknown control byte %#04x", control)


def serve(card: Card, *, port: int = DEFAULT_PORT, stop: threading.Event | None = None) -> None:
    """Keep ``card`` in the reader until ``stop`` is set, reconnecting whenever vpcd goes away
    (pcscd restarted or exited): what ``madoguchi virtual-card`` runs."""
    stop = stop or threading.Event()
    connection = VpcdConnection(port)
    try:
        while not stop.is_set():
            try:
                connection.insert(card, timeout=1)
            except VpcdUnavailable:
                stop.wait(1)
                continue
            while connection.inserted and not stop.is_set():
                stop.wait(0.5)
    finally:
        connection.remove()
