"""A private clamd for tests, on a unix socket in a temporary directory.

Machines here cannot download ClamAV's signatures, so the daemon loads a database written
here: the EICAR test file by MD5 (test.hdb, what ``sigtool --md5`` prints) and the EICAR
string anywhere in a file (test.ndb), so a PDF carrying it is caught too. The daemon is
Debian's real ``clamd``; when it is missing the tests fail with the command to install it.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .files import EICAR

INSTALL = "apt-get install clamav-daemon"
HDB_SIGNATURE = "Madoguchi.Test.EICAR-File"
NDB_SIGNATURE = "Madoguchi.Test.EICAR-Embedded"


class ClamdMissing(RuntimeError):
    pass


def clamd_binary() -> str:
    found = shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise ClamdMissing(f"clamd is not installed: {INSTALL}")
    return found


def write_database(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    md5 = hashlib.md5(EICAR).hexdigest()  # noqa: S324 (ClamAV's hash signature format)
    (directory / "test.hdb").write_text(f"{md5}:{len(EICAR)}:{HDB_SIGNATURE}\n")
    (directory / "test.ndb").write_text(f"{NDB_SIGNATURE}:0:*:{EICAR.hex()}\n")


def _answers_ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16).startswith(b"PONG")
    except OSError:
        return False


@contextmanager
def running_clamd(directory: Path, *, timeout: float = 60) -> Iterator[Path]:
    """Start clamd in the foreground with a generated configuration; yields its socket."""
    binary = clamd_binary()
    database = directory / "db"
    write_database(database)
    sock = directory / "clamd.sock"
    config = directory / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"LocalSocket {sock}",
                f"DatabaseDirectory {database}",
                f"LogFile {directory / 'clamd.log'}",
                f"PidFile {directory / 'clamd.pid'}",
                "Foreground yes",
                "Bytecode no",
                "StreamMaxLength 25M",
                "",
            ]
        )
    )
    process = subprocess.Popen(  # noqa: S603 (our own binary and generated config)
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + timeout
        while not _answers_ping(sock):
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"clamd exited with {process.returncode}: {error[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"clamd did not answer on {sock} within {timeout} s")
            time.sleep(0.1)
        yield sock
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
