"""pytest fixtures: a real pcscd with vsmartcard's vpcd readers, and a virtual card in one of them.

Use them from a conftest.py::

    from madoguchi.simulators.card.testing import pcscd, virtual_reader  # noqa: F401

and mark the tests ``@pytest.mark.pcsc``. ``virtual_reader`` yields a :class:`VirtualReader`:
``insert(card)``, ``remove()``, ``name`` (the PC/SC reader name to give pyscard or the agent)
and ``connect()`` (a pyscard connection once pcscd sees the card).

Parallel runs (``pytest -n 2``): one pcscd per machine, shared by every worker. The first
worker that needs it starts ``pcscd --foreground --auto-exit`` (as root, else through sudo)
under a file lock and records it in a small state file; each worker registers itself there
and holds a PC/SC context for its session (so ``--auto-exit`` never fires under it); the
last worker to leave stops the pcscd a worker started (never one that was already running).
vpcd offers two readers (ports 35963 and 35964): a test takes whichever is free under a
per-reader file lock, for its own duration only, so two workers run pcsc tests side by side
and a third waits for a reader instead of deadlocking. Missing packages fail the test with
the command that installs them: a skip nobody reads would hide a broken counter.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from .vpcd import DEFAULT_PORT, READER_NAMES, Card, VpcdConnection

__all__ = ["VirtualReader", "pcscd", "running_pcscd", "virtual_reader"]

INSTALL = (
    "apt-get install pcscd vsmartcard-vpcd swig libpcsclite-dev && pip install pyscard "
    "(`make test` does both: scripts/system-packages.sh test)"
)
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
_STATE_DIR = Path(tempfile.gettempdir())
_LOCK = _STATE_DIR / "madoguchi-pcscd.lock"
_STATE = _STATE_DIR / "madoguchi-pcscd.json"
_READY_TIMEOUT = 20.0
_READER_WAIT = 180.0


def _pcscd_answers() -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(PCSCD_SOCKET))
    except OSError:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (a worker's exited child, not yet reaped) is not alive.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_state() -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads(_STATE.read_text())
    except (OSError, ValueError):
        state = {}
    state.setdefault("pid", None)
    state["users"] = [pid for pid in state.get("users", []) if _alive(pid)]
    return state


def _start_pcscd() -> int:
    binary = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")
    if binary is None:
        pytest.fail(f"pcscd is not installed: {INSTALL}")
    if not Path("/etc/reader.conf.d/vpcd").exists():
        pytest.fail(f"vsmartcard-vpcd is not installed: {INSTALL}")
    command = [binary, "--foreground", "--auto-exit"]
    if os.geteuid() != 0:
        command = ["sudo", "-n", *command]
    log = (_STATE_DIR / "madoguchi-pcscd.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 (Debian's pcscd, fixed arguments)
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + _READY_TIMEOUT
    while not _pcscd_answers():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"pcscd did not start (see {_STATE_DIR / 'madoguchi-pcscd.log'})")
        time.sleep(0.05)
    return process.pid


def _stop_pcscd(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:  # started through sudo: root's process
        subprocess.run(["sudo", "-n", "kill", str(pid)], check=False)  # noqa: S603, S607
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # ours when this process started it
        if not _alive(pid):
            return
        time.sleep(0.05)


def _pyscard() -> Any:
    try:
        from smartcard import scard
    except ImportError:
        pytest.fail(f"pyscard is not installed: {INSTALL}")
    return scard


def _wait_for_readers(scard: Any, context: int) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while True:
        result, readers = scard.SCardListReaders(context, [])
        if result == scard.SCARD_S_SUCCESS and READER_NAMES[DEFAULT_PORT] in readers:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"pcscd runs but offers no 'Virtual PCD' reader: {INSTALL}")
        time.sleep(0.1)


@contextlib.contextmanager
def running_pcscd() -> Iterator[None]:
    """A pcscd with the vpcd readers for as long as the block runs (shared between processes)."""
    scard = _pyscard()
    me = os.getpid()
    with _locked(_LOCK):
        state = _read_state()
        if state["pid"] is not None and not _alive(state["pid"]):
            state["pid"] = None
        if not _pcscd_answers():
            state["pid"] = _start_pcscd()
        state["users"].append(me)
        _STATE.write_text(json.dumps(state))
        result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        if result != scard.SCARD_S_SUCCESS:
            pytest.fail(f"no PC/SC context: {scard.SCardGetErrorMessage(result)}")
        _wait_for_readers(scard, context)
        yield
    finally:
        if result == scard.SCARD_S_SUCCESS:
            scard.SCardReleaseContext(context)
        with _locked(_LOCK):
            state = _read_state()
            state["users"] = [pid for pid in state["users"] if pid != me]
            if not state["users"] and state["pid"] is not None:
                _stop_pcscd(state["pid"])
                state["pid"] = None
            _STATE.write_text(json.dumps(state))


class VirtualReader(VpcdConnection):
    """A vpcd reader this test holds alone, with pyscard helpers.

    ``insert`` and ``remove`` return once pcscd has seen the change, so a test never
    connects to the card it just removed, nor sees a fresh card as "reset".
    """

    _inserted_event: int | None = None

    def __init__(self, port: int = DEFAULT_PORT) -> None:
        super().__init__(port)
        self._connections: list[Any] = []

    def release_connections(self) -> None:
        """Disconnect every pyscard connection :meth:`connect` made (at teardown): a handle
        left to the garbage collector unpowers the card under the next test's handle."""
        from smartcard.Exceptions import CardConnectionException

        for connection in self._connections:
            with contextlib.suppress(CardConnectionException):
                connection.release()
        self._connections.clear()

    def insert(self, card: Card, *, remove_after: int | None = None, timeout: float = 10) -> None:
        super().insert(card, remove_after=remove_after, timeout=timeout)
        self._inserted_event = self.wait_for_card(present=True, timeout=timeout)

    def remove(self) -> None:
        was_inserted = self._socket is not None
        super().remove()
        if was_inserted:
            self.wait_for_card(present=False, after_event=self._inserted_event)

    def wait_for_card(
        self, *, present: bool, after_event: int | None = None, timeout: float = 10
    ) -> int:
        """Wait until pcscd's reader thread has seen the card arrive (or leave); returns the
        reader's event counter then.

        ``after_event``: also wait for the counter to move past it. A disconnect after the
        card left marks the reader empty before pcscd's poll notices; a card inserted in
        between would never be powered up (pcscd would think it never left).
        """
        scard = _pyscard()
        wanted = scard.SCARD_STATE_PRESENT if present else scard.SCARD_STATE_EMPTY
        result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if result != scard.SCARD_S_SUCCESS:
            raise RuntimeError(scard.SCardGetErrorMessage(result))
        try:
            deadline = time.monotonic() + timeout
            state = scard.SCARD_STATE_UNAWARE
            while True:
                result, states = scard.SCardGetStatusChange(
                    context, 200, [(self.reader_name, state)]
                )
                if result == scard.SCARD_S_SUCCESS:
                    state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                    event = state >> 16
                    if state & wanted and (after_event is None or event != after_event):
                        return event
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{self.reader_name!r}: no card {'inserted' if present else 'removed'}"
                    )
        finally:
            scard.SCardReleaseContext(context)

    def connect(self, *, timeout: float = 10) -> Any:
        """A connected pyscard ``CardConnection`` to the inserted card (T=1), once pcscd has
        noticed it (vpcd polls for the card; a fresh insert takes a moment to show)."""
        from smartcard.Exceptions import CardConnectionException, NoCardException
        from smartcard.System import readers

        deadline = time.monotonic() + timeout
        while True:
            reader = next((r for r in readers() if str(r) == self.reader_name), None)
            if reader is not None:
                connection = reader.createConnection()
                try:
                    connection.connect()
                except (NoCardException, CardConnectionException):
                    connection.release()
                else:
                    self._connections.append(connection)
                    return connection
            if time.monotonic() > deadline:
                raise TimeoutError(f"no card in {self.reader_name!r} after {timeout}s")
            time.sleep(0.1)


@contextlib.contextmanager
def _free_reader() -> Iterator[int]:
    deadline = time.monotonic() + _READER_WAIT
    while True:
        for port in READER_NAMES:
            handle = (_STATE_DIR / f"madoguchi-vpcd-{port}.lock").open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield port
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            pytest.fail("both vpcd readers stayed busy for three minutes")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[None]:
    """pcscd with the vpcd readers, for the whole session (see the module docstring)."""
    with running_pcscd():
        yield


@pytest.fixture
def virtual_reader(pcscd: None) -> Iterator[VirtualReader]:
    """A free vpcd reader, empty; insert a card with ``virtual_reader.insert(card)``."""
    with _free_reader() as port:
        reader = VirtualReader(port)
        try:
            yield reader
        finally:
            reader.release_connections()
            reader.remove()


def insert_and_connect(reader: VirtualReader, card: Card) -> Any:
    """Insert ``card`` and return a connected pyscard connection to it."""
    reader.insert(card)
    return reader.connect()
