"""``madoguchi counter-agent``: its token file and a start without Django."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from madoguchi.counter.agent.command import load_or_create_token, run

from .conftest import Client


def test_the_pairing_token_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "config" / "counter-agent.json"

    first = load_or_create_token(path)
    second = load_or_create_token(path)

    assert first == second and len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"token": first}


def test_a_file_loosened_by_hand_is_made_private_again(tmp_path: Path) -> None:
    path = tmp_path / "counter-agent.json"
    token = load_or_create_token(path)
    path.chmod(0o644)

    assert load_or_create_token(path) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "argv", [[], ["--origin", "city.example"], ["--origin", "https://city.example/path"]]
)
def test_the_command_needs_real_origins(argv: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        run([*argv, "--config", str(tmp_path / "c.json")])

    assert exit_.value.code == 2
    assert not (tmp_path / "c.json").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_agent_starts_without_django_and_answers_with_its_token(tmp_path: Path) -> None:
    port = _free_port()
    config = tmp_path / "agent.json"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    # The process fails loudly if anything of Django is imported on the way.
    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name == 'django' or name.startswith('django.'):\n"
        "        raise SystemExit('django imported: ' + name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "from madoguchi.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "counter-agent",
            "--origin",
            "https://city.example/",
            "--port",
            str(port),
            "--config",
            str(config),
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not config.exists() or not _listening(port):
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the agent did not start"
            time.sleep(0.05)
        token = json.loads(config.read_text())["token"]

        status, _, body = Client(port).request("GET", "/v1/status", token=token)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)

    assert status == 200 and body["agent"] == "madoguchi-counter-agent"
    assert token in output
    assert "https://city.example" in output


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
