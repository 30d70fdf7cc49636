"""`make run` offers the counter's card path: after it starts, the card agent answers on
loopback for the site's origin with the demo resident's virtual card in vpcd's reader, its
development pairing token is printed with where to paste it, and Ctrl-C stops the agent.

Runs only where pcscd can run (installed, and root or passwordless sudo): the reader and
pcscd are shared with the pcsc tests through their fixtures (one pcscd per machine, a vpcd
reader held for this test alone), so `make run` finds pcscd running and starts none.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from madoguchi.simulators.card.counter_demo import vpcd_installed

from .test_make_run_port import IPAEX, REPO, START_SECONDS, _free_port

pytestmark = pytest.mark.pcsc

AGENT_READY_SECONDS = 60


def _pcscd_can_run() -> bool:
    if not vpcd_installed() or shutil.which("pcscd", path="/usr/sbin:/sbin:/usr/bin") is None:
        return False
    if os.geteuid() == 0:
        return True
    return subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0


if not _pcscd_can_run():  # pragma: no cover - depends on the machine
    pytest.skip(
        "pcscd cannot run here (needs pcscd, vsmartcard-vpcd and root or sudo)",
        allow_module_level=True,
    )

from madoguchi.simulators.card.testing import (  # noqa: E402
    VirtualReader,
    pcscd,  # noqa: F401
    virtual_reader,  # noqa: F401
)


@dataclass(frozen=True)
class Served:
    site: str
    agent: str
    reader: str
    var: Path
    log: Path
    process: subprocess.Popen[bytes]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person stops `make run`, to the whole process group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path, virtual_reader: VirtualReader) -> Iterator[Served]:  # noqa: F811
    port, agent_port = _free_port(), _free_port()
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "MADOGUCHI_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    environ |= {
        "PORT": str(port),
        "MADOGUCHI_VAR_DIR": str(tmp_path / "var"),
        "VIRTUAL_CARD": "kaga-taro",
        "VIRTUAL_CARD_PORT": str(virtual_reader.port),
        "VIRTUAL_CARD_READER": virtual_reader.reader_name,
        "COUNTER_AGENT_PORT": str(agent_port),
    }
    log_path = tmp_path / "make-run.log"
    log = log_path.open("wb")
    # -o: the venv, fonts and packages are there already; never install from a test.
    skip = ["-o", ".venv/.installed", "-o", IPAEX, "-o", "system-packages-run"]
    process = subprocess.Popen(
        ["make", "--no-print-directory", *skip, "run"],
        cwd=REPO,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    site = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if requests.get(f"{site}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield Served(
            site=site,
            agent=f"http://127.0.0.1:{agent_port}",
            reader=virtual_reader.reader_name,
            var=tmp_path / "var",
            log=log_path,
            process=process,
        )
    finally:
        _stop(process)
        log.close()


def _status(served: Served, token: str, origin: str) -> requests.Response:
    return requests.get(
        f"{served.agent}/v1/status",
        headers={"Origin": origin, "Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_make_run_serves_the_card_agent_with_the_virtual_card_in_the_reader(
    served: Served,
) -> None:
    token_file = served.var / "counter-agent.json"
    deadline = time.monotonic() + AGENT_READY_SECONDS
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        try:
            token = json.loads(token_file.read_text())["token"]
            body = _status(served, token, served.site).json()
        except (OSError, ValueError, requests.ConnectionError):
            body = {}
        if body.get("card") is True:
            break
        time.sleep(0.5)
    output = served.log.read_text(errors="replace")

    assert body.get("card") is True, output[-3000:]
    assert body["reader"] == served.reader
    assert (body["card_info_pin_tries"], body["auth_pin_tries"]) == (3, 3)
    assert body["signing_password_tries"] == 5
    # The token and the exact place to paste it are on the console.
    assert token in output
    assert f"{served.site}/staff/counter/card/agent/" in output
    # Only the site's origin may use it.
    other = _status(served, token, "http://localhost:1")
    assert (other.status_code, other.json()["error"]) == (403, "origin_not_allowed")

    _stop(served.process)
    with pytest.raises(requests.ConnectionError):
        _status(served, token, served.site)
