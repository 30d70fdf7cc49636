"""Behind the documented nginx: clients counted apart, forged headers ignored, no secrets logged.

Debian's nginx runs with deploy/nginx.conf (TLS and the public ports swapped for loopback)
in front of the test server. The whole of 127.0.0.0/8 is loopback, so clients with
different addresses are sockets bound to 127.0.0.2, 127.0.0.3, ...
"""

from __future__ import annotations

import http.client
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from madoguchi.testing.servers import free_port, require_binary

from .test_logging import _token_urls

DEPLOY_CONF = Path(__file__).resolve().parents[4] / "deploy" / "nginx.conf"
CHECKPOINT = "/api/v1/ledger/checkpoint"
TOKEN = "Zq8YwWJ0p2m1Q9rX-tokenLEAK_4bL7e"


@dataclass(frozen=True)
class Proxy:
    port: int
    access_log: Path


def proxy_config(app: str, *, port: int, redirect_port: int, prefix: Path) -> str:
    """deploy/nginx.conf with loopback ports and files under ``prefix`` instead of TLS and /var."""
    site = DEPLOY_CONF.read_text()
    site = re.sub(r"(?m)^(\s*)server 10\.0\.1\.11:8001.*$", rf"\1server {app};", site)
    site = re.sub(r"(?m)^\s*server 10\.0\.1\.\d+:8001.*\n", "", site)
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{redirect_port};")
    site = re.sub(r"(?m)^\s*(ssl_\w+|http2) .*\n", "", site)
    site = site.replace("/var/log/nginx/madoguchi-access.log", str(prefix / "access.log"))
    assert f"server {app};" in site and "ssl" not in site, site
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\nmaster_process off;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n{temp}\n{site}\n}}\n"
    )


@pytest.fixture
def nginx(live_server: Any, tmp_path: Path) -> Iterator[Proxy]:
    binary = require_binary("nginx", package="nginx-light")
    port, redirect_port = free_port(), free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        proxy_config(
            urlsplit(live_server.url).netloc,
            port=port,
            redirect_port=redirect_port,
            prefix=tmp_path,
        )
    )
    process = subprocess.Popen(
        [binary, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = (tmp_path / "error.log").read_text(errors="replace")
                    pytest.fail(f"nginx did not start on port {port}:\n{error}")
                time.sleep(0.05)
        yield Proxy(port=port, access_log=tmp_path / "access.log")
    finally:
        process.terminate()
        process.wait(timeout=10)


def get(port: int, path: str, *, source: str, headers: dict[str, str] | None = None) -> int:
    """A GET to 127.0.0.1:``port`` from the loopback address ``source``."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture
def limited(settings: Any) -> Iterator[None]:
    settings.MADOGUCHI_RATE_LIMITS = {**settings.MADOGUCHI_RATE_LIMITS, "ledger": 2}
    settings.MADOGUCHI_TRUSTED_PROXIES = "127.0.0.1/32"
    cache.clear()
    yield
    cache.clear()


def test_two_clients_behind_nginx_are_counted_apart(nginx: Proxy, limited: None) -> None:
    first = [get(nginx.port, CHECKPOINT, source="127.0.0.2") for _ in range(3)]
    second = get(nginx.port, CHECKPOINT, source="127.0.0.3")

    assert first == [200, 200, 429]
    assert second == 200


def test_a_client_cannot_escape_its_count_by_forging_x_forwarded_for_through_nginx(
    nginx: Proxy, limited: None
) -> None:
    statuses = [
        get(
            nginx.port,
            CHECKPOINT,
            source="127.0.0.4",
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_a_forged_x_forwarded_for_sent_straight_to_the_app_is_ignored(
    live_server: Any, limited: None
) -> None:
    app_port = urlsplit(live_server.url).port
    assert app_port is not None

    statuses = [
        get(
            app_port, CHECKPOINT, source="127.0.0.5", headers={"X-Forwarded-For": f"198.51.100.{n}"}
        )
        for n in range(3)
    ]

    assert statuses == [200, 200, 429]


def test_the_access_log_of_nginx_holds_no_token_and_no_search(nginx: Proxy, limited: None) -> None:
    """Every route whose URL pattern takes a token is sent through deploy/nginx.conf's log."""
    paths = [*_token_urls(TOKEN), "/staff/?q=%E7%94%B0%E4%B8%AD+tanaka&status=new"]
    for path in paths:
        get(nginx.port, path, source="127.0.0.6")

    # nginx writes a request's log line once the response has gone out: the client can read
    # the last response before its line is in the file.
    deadline = time.monotonic() + 10
    while len((log := nginx.access_log.read_text()).splitlines()) < len(paths):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)

    assert len(log.splitlines()) == len(paths)
    assert TOKEN not in log
    assert "tanaka" not in log and "%E7%94%B0" not in log
    assert "/apply/[token]/review/" in log and "127.0.0.6" in log
