"""Two nodes on one machine: an internet node in a subprocess, and a relay in front of it.

The internet node is a real server (gunicorn, the project's WSGI application) with its own
database: an SQLite file under its own directory, or, when the tests run on PostgreSQL, a
database of its own on the same server, created here and dropped afterwards. Its settings
are :mod:`madoguchi.testing.node_settings` with ``MADOGUCHI_NODE_ROLE=internet``.

The relay forwards TCP from its listening port to the internet node and nothing else: it
knows only the internet node's address, so nothing on the internet side has a route to the
LGWAN node (the test process). It counts the connections it forwarded.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from .servers import free_port

BIN = Path(sys.executable).parent


@dataclass
class InternetNode:
    url: str
    directory: Path
    env: dict[str, str]
    log: Path
    setup_output: str = ""

    def manage(self, *args: str, timeout: float = 120) -> str:
        """``madoguchi <args>`` against the node's database and settings; its output."""
        result = subprocess.run(  # noqa: S603
            [str(BIN / "madoguchi"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(
                f"madoguchi {args[0]} on the internet node failed:\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def tables_containing(self, text: str) -> list[str]:
        """The tables of the node's database with ``text`` in any column of any row (a
        direct read, not through the node)."""
        found = []
        needle = text.encode("utf-8")
        url = self.env.get("DATABASE_URL", "")
        if url:
            import psycopg

            with psycopg.connect(url) as connection:
                tables = [
                    row[0]
                    for row in connection.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ]
                for table in tables:
                    rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
                    if any(needle in _cell_bytes(cell) for row in rows for cell in row):
                        found.append(table)
            return found
        with sqlite3.connect(self.directory / "madoguchi.sqlite3") as connection:
            tables = [
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                rows = connection.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
                if any(needle in _cell_bytes(cell) for row in rows for cell in row):
                    found.append(table)
        return found

    def output(self) -> str:
        """What the server printed so far (the emails it sent among it)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def _cell_bytes(cell: object) -> bytes:
    if isinstance(cell, bytes | bytearray | memoryview):
        return bytes(cell)
    if isinstance(cell, dict | list):
        return json.dumps(cell, ensure_ascii=False).encode("utf-8")
    return str(cell).encode("utf-8")


def _postgres_database(url: str, name: str) -> tuple[str, str]:
    """(the URL of a new database ``name`` on the server of ``url``, the admin URL)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


def _admin_sql(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(statement)


@contextmanager
def internet_node(
    directory: Path, *, setup: str = "", extra_env: dict[str, str] | None = None
) -> Iterator[InternetNode]:
    """Migrate the internet node's database and run ``setup`` (Python, in one ``madoguchi
    shell``: its output is ``node.setup_output``), start the server; stop it (and drop its
    PostgreSQL database) afterwards."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MADOGUCHI_", "DJANGO_", "PYTEST_"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "madoguchi.testing.node_settings",
        "MADOGUCHI_VAR_DIR": str(directory),
        "MADOGUCHI_NODE_ROLE": "internet",
        "MADOGUCHI_SITE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    database_url = os.environ.get("DATABASE_URL", "")
    dropped = ""
    if database_url.startswith(("postgres://", "postgresql://")):
        name = f"madoguchi_internet_node_{os.getpid()}_{port}"
        env["DATABASE_URL"], admin = _postgres_database(database_url, name)
        _admin_sql(admin, f'CREATE DATABASE "{name}"')
        dropped = name
    else:
        env.pop("DATABASE_URL", None)
    node = InternetNode(
        url=env["MADOGUCHI_SITE_URL"], directory=directory, env=env, log=directory / "server.log"
    )
    process: subprocess.Popen[bytes] | None = None
    try:
        node.setup_output = node.manage(
            "shell",
            "-c",
            "from django.core.management import call_command\n"
            "call_command('migrate', interactive=False, verbosity=0)\n" + setup,
            timeout=300,
        )
        with node.log.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
                [
                    str(BIN / "gunicorn"),
                    "madoguchi.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            with suppress(requests.RequestException):
                if requests.get(f"{node.url}/healthz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the internet node did not start:\n{node.output()[-3000:]}")
            time.sleep(0.1)
        yield node
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        if dropped:
            _admin_sql(admin, f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')


@dataclass
class Relay:
    """A one-way TCP relay: listens on ``port``, connects only to ``target``."""

    target: tuple[str, int]
    port: int = 0
    connections: int = 0
    _server: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        self.port = server.getsockname()[1]
        self._server = server
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()

    def _accept(self) -> None:
        assert self._server is not None
        while True:
            try:
                inbound, _address = self._server.accept()
            except OSError:
                return
            self.connections += 1
            outbound = socket.create_connection(self.target, timeout=30)
            for source, sink in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()


@contextmanager
def relay_to(url: str) -> Iterator[Relay]:
    parts = urlsplit(url)
    relay = Relay(target=(parts.hostname or "127.0.0.1", parts.port or 80))
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()
