"""The counter demo's pieces (`make run`): when pcscd is started or explained, the agent
allowed for the site's origin only with its token kept and printed, a busy port said."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

from madoguchi.simulators.card.counter_demo import pcscd_plan, running_agent

SITE = "http://127.0.0.1:8000"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(port: int, origin: str, token: str) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(
        "GET", "/v1/status", headers={"Origin": origin, "Authorization": f"Bearer {token}"}
    )
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, body


def test_pcscd_is_left_alone_when_it_answers() -> None:
    plan = pcscd_plan(answers=True, binary="/usr/sbin/pcscd", root=True)

    assert (plan.command, plan.advice) == ((), "")


def test_root_starts_pcscd_in_the_foreground_with_auto_exit() -> None:
    plan = pcscd_plan(answers=False, binary="/usr/sbin/pcscd", root=True)

    assert plan.command == ("/usr/sbin/pcscd", "--foreground", "--auto-exit")
    assert plan.advice == ""


def test_without_root_one_line_gives_the_command_to_run() -> None:
    plan = pcscd_plan(answers=False, binary="/usr/sbin/pcscd", root=False)

    assert plan.command == ()
    assert "sudo /usr/sbin/pcscd --foreground --auto-exit" in plan.advice
    assert "\n" not in plan.advice


def test_not_installed_says_what_to_install() -> None:
    plan = pcscd_plan(answers=False, binary=None, root=True)

    assert plan.command == ()
    assert "apt-get install pcscd" in plan.advice


def test_the_agent_answers_the_site_only_and_keeps_its_token(tmp_path: Path) -> None:
    port = _free_port()
    config = tmp_path / "counter-agent.json"
    said: list[str] = []

    with running_agent(
        site_url=SITE + "/", port=port, reader="Virtual PCD 00 00", config=config, say=said.append
    ) as server:
        assert server is not None
        token = json.loads(config.read_text())["token"]
        allowed = _status(port, SITE, token)
        other = _status(port, "http://localhost:8000", token)

    assert allowed[0] == 200 and allowed[1]["agent"] == "madoguchi-counter-agent"
    assert other == (403, {"error": "origin_not_allowed", "message": other[1]["message"]})
    assert token in said[0]
    assert f"{SITE}/staff/counter/card/agent/" in said[0]
    with running_agent(
        site_url=SITE, port=port, reader="x", config=config, say=said.append
    ) as again:
        assert again is not None
    assert token in said[-1]  # the same token: the clerk pastes it once


def test_a_busy_port_is_said_and_the_demo_goes_on(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        said: list[str] = []
        with running_agent(
            site_url=SITE, port=port, reader="x", config=tmp_path / "t.json", say=said.append
        ) as server:
            assert server is None
    assert f"127.0.0.1:{port} is in use" in said[0]
