"""agent-client.js against the running agent (Node's fetch, the virtual card in memory)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import madoguchi.counter
from madoguchi.simulators.card import VirtualMyNumberCard

from .conftest import ORIGIN, TOKEN, CardConnector, serving

CLIENT = Path(madoguchi.counter.__file__).parent / "static" / "counter" / "agent-client.js"
SCRIPT = Path(__file__).with_name("agent_client_check.mjs")


def test_the_js_client_returns_the_json_or_throws_agent_errors(
    virtual_card: VirtualMyNumberCard,
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: apt-get install nodejs (make test installs npm)")

    with serving(CardConnector(virtual_card)) as client:
        base = f"http://127.0.0.1:{client.port}"
        finished = subprocess.run(
            [node, str(SCRIPT), CLIENT.as_uri(), base, TOKEN, ORIGIN],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    results = json.loads(finished.stdout.strip().splitlines()[-1])

    assert results["status"]["ok"]["card_info_pin_tries"] == 3
    assert results["read"]["ok"]["integrity"] == "ok"
    assert len(results["read"]["ok"]["nonce_signature"]) == 344  # 256 bytes in base64
    assert results["wrongAuthPin"] == {
        "error": True,
        "code": "wrong_pin",
        "triesLeft": 2,
        "status": 403,
    }
    assert set(results["sign"]["ok"]) == {"certificate", "ca_certificate", "signature"}
    assert (results["badRequest"]["code"], results["badRequest"]["status"]) == ("bad_request", 400)
    assert (results["badToken"]["code"], results["badToken"]["status"]) == ("bad_token", 401)
    assert results["unreachable"]["code"] == "agent_unreachable"
