"""`make run` on another port than 8000: everything the site URL drives points there.

The target runs for real in a subprocess (migrate, demo, serve) with its own var/
directory, and is asked over HTTP where the card login goes.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

REPO = Path(__file__).resolve().parents[4]
IPAEX = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
START_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _form_action(response: requests.Response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directive = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    return directive.split()[1:]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[int]:
    """`PORT=<free port> make run` with a fresh var/ directory; the port it serves on."""
    port = _free_port()
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MADOGUCHI_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    # VIRTUAL_CARD empty: no counter demo (pcscd, agent, card); test_make_run_counter.py has it,
    # sharing pcscd and a reader with the pcsc tests that may run beside this one.
    environ |= {"PORT": str(port), "MADOGUCHI_VAR_DIR": str(tmp_path / "var"), "VIRTUAL_CARD": ""}
    log = (tmp_path / "make-run.log").open("wb")
    # -o: the venv and fonts are there already; never reinstall them from a test.
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", IPAEX, "run"],
        cwd=REPO,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "make-run.log").read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield port
    finally:
        # Ctrl-C, as a person stops `make run`; the whole process group (make, runserver and
        # its reloader child, the task worker) gets it. On a machine loaded by parallel test
        # runs the worker can take longer than the wait: then it is killed, so one slow
        # shutdown never fails a test about ports.
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def test_make_run_on_another_port_points_the_card_login_and_the_ledger_there(served: int) -> None:
    port = served
    app, idp = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    resident = requests.Session()

    discovery = requests.get(
        f"{idp}/devidp/api/realms/main/.well-known/openid-configuration", timeout=10
    ).json()
    start = resident.get(f"{app}/172065/ningen-dock-josei/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', start.text)
    assert csrf is not None
    to_card = resident.post(
        f"{app}/172065/ningen-dock-josei/",
        {"csrfmiddlewaretoken": csrf.group(1), "provider": "digital-auth-app"},
        headers={"Referer": start.url},
        allow_redirects=False,
        timeout=10,
    )
    card_page = requests.get(to_card.headers["Location"], timeout=10)
    checkpoint = requests.get(f"{app}/ledger/checkpoint", timeout=10)

    assert discovery["issuer"] == f"{idp}/devidp/api/realms/main"
    assert discovery["authorization_endpoint"].startswith(f"{idp}/devidp/")
    assert _form_action(start) == ["'self'", idp]
    assert 'data-testid="site-url-mismatch"' not in start.text
    assert to_card.status_code == 302
    location = urlsplit(to_card.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == idp
    assert parse_qs(location.query)["redirect_uri"] == [f"{app}/identity/callback/"]
    assert card_page.status_code == 200  # the redirect URI is registered at this port
    assert app in _form_action(card_page)
    # Receipt QR codes, reference and trust URLs, email links and the ledger's origin
    # all come from the same MADOGUCHI_SITE_URL of the serving process.
    assert checkpoint.text.splitlines()[0] == f"127.0.0.1:{port}/ledger"
