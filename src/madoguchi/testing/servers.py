"""Real servers for tests, started from Debian's binaries when the machine has none running.

CI machines run Redis on loopback; a fresh developer machine may not. Rather than skipping
the tests that need one (a skip nobody reads hides a go-live blocker), the suite starts its
own private instance on a free port. A missing binary fails the test with the apt command.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def require_binary(name: str, *, package: str) -> str:
    """The path of ``name``, or fail the test saying which Debian package provides it."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        pytest.fail(
            f"{name} is not installed: run `apt-get install {package}` "
            "(`make test` installs it through scripts/system-packages.sh)"
        )
    return path


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_server(preferred_url: str) -> Iterator[str]:
    """The URL of a Redis: ``preferred_url`` when it answers, else a private one started here."""
    if _redis_answers(preferred_url):
        yield preferred_url
        return
    binary = require_binary("redis-server", package="redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="madoguchi-test-redis-") as directory:
        process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        url = f"redis://127.0.0.1:{port}/15"
        try:
            deadline = time.monotonic() + 10
            while not _redis_answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
