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
vpcd offers two readers: a test takes whichever is free under a per-reader file lock, for its
own duration only, so two workers run pcsc tests side by side and a third waits for a reader
instead of deadlocking.

The pcscd started here reads its own reader.conf, with vpcd on two free ports below the
kernel's ephemeral range. Debian's ports (35963, 35964) lie inside it: when pcscd starts while
any outgoing connection on the machine (the browser's, a database client's) happens to have
one of them as its local port, vpcd cannot listen and pcscd offers no Virtual PCD reader at
all. A pcscd that was already running keeps Debian's ports. Missing packages fail the test with
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

from .vpcd import DEFAULT_PORT, Card, VpcdConnection

__all__ = ["VirtualReader", "pcscd", "running_pcscd", "virtual_reader"]

INSTALL = (
    "apt-get install pcscd vsmartcard-vpcd swig libpcsclite-dev && pip install pyscard "
    "(`make test` does both: scripts/system-packages.sh test)"
)
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
_STATE_DIR = Path(tempfile.gettempdir())
_LOCK = _STATE_DIR / "madoguchi-pcscd.lock"
_STATE = _STATE_DIR / "madoguchi-pcscd.json"
_CONFIG_DIR = _STATE_DIR / "madoguchi-pcscd.conf.d"
_DEBIAN_VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
_READY_TIMEOUT = 20.0
_READER_WAIT = 180.0
# vpcd's reader n listens on the reader.conf's port + n; pcscd names it "Virtual PCD 00 0n".
_READERS = 2
_PREFERRED_BASE_PORT = 29963


def reader_name(port: int, base_port: int) -> str:
    return f"Virtual PCD 00 {port - base_port:02d}"


def _ephemeral_ports_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _can_listen(port: int) -> bool:
    # vpcd binds INADDR_ANY with SO_REUSEADDR: test exactly that.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))  # noqa: S104 (a probe, closed at once)
        except OSError:
            return False
    return True


def free_base_port(start: int = _PREFERRED_BASE_PORT) -> int:
    """The first port, counting down from ``start`` (and below the ephemeral range), where
    vpcd's readers can listen: the kernel never hands these out as a connection's local port."""
    port = min(start, _ephemeral_ports_start() - _READERS)
    while port > 1024:
        if all(_can_listen(port + n) for n in range(_READERS)):
            return port
        port -= _READERS
    pytest.fail("no two free ports below the ephemeral range for vpcd's readers")


def _write_reader_conf(base_port: int) -> Path:
    """Debian's vpcd reader.conf, moved to ``base_port`` (the driver's path stays Debian's)."""
    lines = []
    for line in _DEBIAN_VPCD_CONF.read_text().splitlines():
        key = line.split(maxsplit=1)[0] if line.strip() else ""
        if key == "DEVICENAME":
            line = f"DEVICENAME   /dev/null:0x{base_port:04X}"
        elif key == "CHANNELID":
            line = f"CHANNELID    0x{base_port:04X}"
        lines.append(line)
    _CONFIG_DIR.mkdir(exist_ok=True)
    (_CONFIG_DIR / "vpcd").write_text("\n".join(lines) + "\n")
    return _CONFIG_DIR


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
    state.setdefault("base_port", DEFAULT_PORT)
    state["users"] = [pid for pid in state.get("users", []) if _alive(pid)]
    return state


def _start_pcscd(base_port: int) -> int:
    binary = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")
    if binary is None:
        pytest.fail(f"pcscd is not installed: {INSTALL}")
    if not _DEBIAN_VPCD_CONF.exists():
        pytest.fail(f"vsmartcard-vpcd is not installed: {INSTALL}")
    config = _write_reader_conf(base_port)
    command = [binary, "--foreground", "--auto-exit", "--config", str(config)]
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


def _wait_for_readers(scard: Any, context: int, base_port: int) -> None:
    wanted = {reader_name(base_port + n, base_port) for n in range(_READERS)}
    deadline = time.monotonic() + _READY_TIMEOUT
    while True:
        result, readers = scard.SCardListReaders(context, [])
        if result == scard.SCARD_S_SUCCESS and wanted <= set(readers):
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"pcscd runs but offers no 'Virtual PCD' readers on ports {base_port} and "
                f"{base_port + 1} (see {_STATE_DIR / 'madoguchi-pcscd.log'}): {INSTALL}"
            )
        time.sleep(0.1)


@contextlib.contextmanager
def running_pcscd() -> Iterator[int]:
    """A pcscd with the vpcd readers for as long as the block runs (shared between processes);
    yields the port of vpcd's first reader."""
    scard = _pyscard()
    me = os.getpid()
    with _locked(_LOCK):
        state = _read_state()
        if state["pid"] is not None and not _alive(state["pid"]):
            state["pid"] = None
        if not _pcscd_answers():
            state["base_port"] = free_base_port()
            state["pid"] = _start_pcscd(state["base_port"])
        elif state["pid"] is None:  # someone else's pcscd, with Debian's reader.conf
            state["base_port"] = DEFAULT_PORT
        base_port: int = state["base_port"]
        state["users"].append(me)
        _STATE.write_text(json.dumps(state))
        result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        if result != scard.SCARD_S_SUCCESS:
            pytest.fail(f"no PC/SC context: {scard.SCardGetErrorMessage(result)}")
        _wait_for_readers(scard, context, base_port)
        yield base_port
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

    def __init__(self, port: int = DEFAULT_PORT, base_port: int = DEFAULT_PORT) -> None:
        super().__init__(port)
        self.reader_name = reader_name(port, base_port)
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
def _free_reader(base_port: int) -> Iterator[int]:
    deadline = time.monotonic() + _READER_WAIT
    while True:
        for port in range(base_port, base_port + _READERS):
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
def pcscd() -> Iterator[int]:
    """pcscd with the vpcd readers, for the whole session (see the module docstring); the
    port of vpcd's first reader."""
    with running_pcscd() as base_port:
        yield base_port


@pytest.fixture
def virtual_reader(pcscd: int) -> Iterator[VirtualReader]:
    """A free vpcd reader, empty; insert a card with ``virtual_reader.insert(card)``."""
    with _free_reader(pcscd) as port:
        reader = VirtualReader(port, base_port=pcscd)
        try:
            yield reader
        finally:
            reader.release_connections()
            reader.remove()


def insert_and_connect(reader: VirtualReader, card: Card) -> Any:
    """Insert ``card`` and return a connected pyscard connection to it."""
    reader.insert(card)
    return reader.connect()
