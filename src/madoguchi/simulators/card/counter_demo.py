"""The counter's card path for `make run` (development only): pcscd, the card agent and its
pairing token, beside the virtual card (``madoguchi counter-demo``, started by ``madoguchi
serve``; docs/counter.md, "The card at the counter in the demo").

- pcscd: when none answers and we are root, ``pcscd --foreground --auto-exit`` runs as our
  child (and stops with us); a PC/SC context is held meanwhile so ``--auto-exit`` never fires
  while the demo runs. Not root: one line with the command to run instead.
- the agent (``madoguchi.counter.agent``) on 127.0.0.1 (47120 unless told), allowed for the
  site's origin only, using the virtual card's vpcd reader; its pairing token is kept in
  ``var/counter-agent.json`` (made once) and printed with where to paste it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from madoguchi.counter.agent.card import PcscConnector
from madoguchi.counter.agent.command import load_or_create_token
from madoguchi.counter.agent.server import LOOPBACK, Agent, AgentHTTPServer, normalise_origin

__all__ = [
    "AGENT_SETTINGS_PATH",
    "INSTALL_HINT",
    "PCSCD_SOCKET",
    "PcscdPlan",
    "pcscd_plan",
    "running_agent",
    "running_pcscd",
    "vpcd_installed",
]

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_ARGUMENTS = ("--foreground", "--auto-exit")
AGENT_SETTINGS_PATH = "/staff/counter/card/agent/"
_READY_SECONDS = 20.0

Say = Callable[[str], None]


@dataclass(frozen=True)
class PcscdPlan:
    """What to do about pcscd: nothing (``command`` and ``advice`` empty), start ``command``,
    or tell the developer ``advice`` (one line with the command to run)."""

    command: tuple[str, ...] = ()
    advice: str = ""


def pcscd_plan(*, answers: bool, binary: str | None, root: bool) -> PcscdPlan:
    if answers:
        return PcscdPlan()
    if binary is None:
        return PcscdPlan(advice="counter demo: pcscd is not installed (sudo apt-get install pcscd)")
    if not root:
        return PcscdPlan(
            advice=(
                "counter demo: pcscd is not running; start it in another terminal with "
                f"`sudo {binary} {' '.join(PCSCD_ARGUMENTS)}` (or `sudo systemctl start "
                "pcscd.socket`); the card and the agent find it when it comes"
            )
        )
    return PcscdPlan(command=(binary, *PCSCD_ARGUMENTS))


INSTALL_HINT = (
    "counter demo: pcscd and vsmartcard-vpcd are not installed, so no card at the counter "
    "today (scripts/system-packages.sh run installs them; see docs/counter.md)"
)


def vpcd_installed() -> bool:
    return pcscd_binary() is not None and Path("/etc/reader.conf.d/vpcd").exists()


def pcscd_answers() -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(PCSCD_SOCKET))
    except OSError:
        return False
    return True


def pcscd_binary() -> str | None:
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")


@contextlib.contextmanager
def _held_context() -> Iterator[None]:
    """A PC/SC context for as long as the block runs: pcscd's ``--auto-exit`` waits for the
    last client to leave, and the agent only connects while it answers a request."""
    try:
        from smartcard import scard
    except ImportError:
        yield
        return
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        yield
    finally:
        if result == scard.SCARD_S_SUCCESS:
            scard.SCardReleaseContext(context)


@contextlib.contextmanager
def running_pcscd(say: Say) -> Iterator[None]:
    """pcscd for the block: the one already running, else our child when we may start it."""
    plan = pcscd_plan(answers=pcscd_answers(), binary=pcscd_binary(), root=os.geteuid() == 0)
    if plan.advice:
        say(plan.advice)
    if not plan.command:
        yield
        return
    process = subprocess.Popen(  # noqa: S603 (Debian's pcscd, fixed arguments)
        plan.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + _READY_SECONDS
        while not pcscd_answers() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if pcscd_answers():
            say(f"counter demo: started `{' '.join(plan.command)}` (stops with the server)")
            with _held_context():
                yield
        else:
            say("counter demo: pcscd did not start; no card reader for the counter today")
            yield
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def token_banner(*, token: str, site_url: str, port: int, config: Path) -> str:
    return (
        f"counter demo: card agent on http://{LOOPBACK}:{port}/v1/status for {site_url}\n"
        f"  Development pairing token (kept in {config}):\n\n      {token}\n\n"
        f"  窓口の「カードエージェントの設定」 {site_url.rstrip('/')}{AGENT_SETTINGS_PATH} に"
        "このトークンを一度貼り付けて保存してください。\n"
        f"  Paste it once on the counter's Card agent settings page, "
        f"{site_url.rstrip('/')}{AGENT_SETTINGS_PATH}, and save."
    )


@contextlib.contextmanager
def running_agent(
    *, site_url: str, port: int, reader: str, config: Path, say: Say
) -> Iterator[AgentHTTPServer | None]:
    """The card agent in a thread for the block, allowed for ``site_url``'s origin only.
    ``None`` (and one line saying why) when the port is taken, e.g. by a real agent."""
    token = load_or_create_token(config)
    agent = Agent(
        connector=PcscConnector(reader),
        token=token,
        origins=frozenset({normalise_origin(site_url)}),
    )
    try:
        server = AgentHTTPServer(agent, host=LOOPBACK, port=port)
    except OSError as error:
        say(
            f"counter demo: no card agent: 127.0.0.1:{port} is in use ({error.strerror}); "
            "stop the other agent or set COUNTER_AGENT_PORT"
        )
        yield None
        return
    thread = threading.Thread(target=_serve, args=(server,), name="counter-agent", daemon=True)
    thread.start()
    say(token_banner(token=token, site_url=site_url, port=port, config=config))
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _serve(server: Any) -> None:
    server.serve_forever(0.2)
