"""ClamAV's daemon over its socket, with the INSTREAM command of the clamd protocol.

``MADOGUCHI_CLAMD_SOCKET`` is a unix socket path (``/run/clamav/clamd.ctl``) or
``host:port`` (clamd's TCPSocket). The file is streamed in chunks, each prefixed with its
length as a 4-byte big-endian integer, ended by a zero length; clamd answers one
NUL-terminated line: ``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``.
Any answer but those two, or no answer in time, is :class:`ScannerUnavailable`.
"""

from __future__ import annotations

import socket
import struct
from typing import IO

from django.conf import settings

from ...base import Clean, Infected, ScannerUnavailable, ScanResult, VirusScanner

CHUNK_SIZE = 64 * 1024
MAX_REPLY = 4096


def connect(address: str, timeout: float) -> socket.socket:
    """A connection to clamd at a unix socket path or ``host:port``."""
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: str | tuple[str, int] = address
    else:
        host, _sep, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ScannerUnavailable(f"clamd address not understood: {address!r}")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        target = (host.strip("[]"), int(port))
    sock.settimeout(timeout)
    try:
        sock.connect(target)
    except OSError as error:
        sock.close()
        raise ScannerUnavailable(f"clamd at {address} cannot be reached: {error}") from error
    return sock


def _reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0") and len(data) < MAX_REPLY:
        piece = sock.recv(MAX_REPLY)
        if not piece:
            break
        data += piece
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def instream(sock: socket.socket, handle: IO[bytes]) -> str:
    """Send the handle's bytes with INSTREAM; clamd's reply line."""
    sock.sendall(b"zINSTREAM\0")
    while chunk := handle.read(CHUNK_SIZE):
        try:
            sock.sendall(struct.pack(">I", len(chunk)) + chunk)
        except BrokenPipeError:
            # clamd closes the stream when it passes StreamMaxLength; its reply says so.
            break
    else:
        sock.sendall(struct.pack(">I", 0))
    return _reply(sock)


def parse_reply(reply: str) -> ScanResult:
    if reply == "stream: OK":
        return Clean()
    if reply.startswith("stream: ") and reply.endswith(" FOUND"):
        return Infected(reply.removeprefix("stream: ").removesuffix(" FOUND").strip())
    # "INSTREAM size limit exceeded. ERROR", "... ERROR", or nothing at all.
    raise ScannerUnavailable(f"clamd did not give a verdict: {reply[:200]!r}")


class ClamdScanner(VirusScanner):
    def __init__(self) -> None:
        self.address = str(settings.MADOGUCHI_CLAMD_SOCKET)
        self.timeout = float(settings.MADOGUCHI_CLAMD_TIMEOUT)

    def scan(self, handle: IO[bytes]) -> ScanResult:
        if not self.address:
            raise ScannerUnavailable("MADOGUCHI_CLAMD_SOCKET is not set")
        try:
            with connect(self.address, self.timeout) as sock:
                return parse_reply(instream(sock, handle))
        except OSError as error:  # timeouts and resets after connecting
            raise ScannerUnavailable(f"clamd at {self.address} failed: {error}") from error
