"""The ``madoguchi`` command: Django's management commands plus a few shortcuts.

``madoguchi serve`` migrates and serves, with the background task worker beside it
(exports) and, when ``MADOGUCHI_VIRTUAL_CARD`` names a demo resident (``make run`` does), the
counter's card path: pcscd, the card agent and that resident's virtual My Number Card in vpcd's
reader (development settings only);
``madoguchi demo --reset`` loads demo data; ``madoguchi counter-agent`` runs the
counter PC's card agent without Django; anything else is passed to
Django (``madoguchi forms export 172065 ningen-dock-josei``).
"""

from __future__ import annotations

import os
import subprocess
import sys


def _start_worker() -> subprocess.Popen[bytes] | None:
    """The background task worker (exports), beside the development server.

    runserver's autoreloader runs this module again in a child process (RUN_MAIN=true);
    only the parent starts a worker, so there is one however often the code reloads.
    """
    if os.environ.get("RUN_MAIN") == "true":
        return None
    return subprocess.Popen([sys.executable, "-m", "madoguchi.cli", "db_worker", "--interval", "1"])


def _start_virtual_card() -> subprocess.Popen[bytes] | None:
    """The counter's card path for the demo, beside the development server: pcscd when none
    runs (as our child, when root), the card agent for the site's origin with its development
    pairing token printed, and a demo resident's virtual card in vpcd's reader
    (``madoguchi counter-demo``; docs/counter.md).

    Only when ``MADOGUCHI_VIRTUAL_CARD`` is set (``make run`` sets it); the command exists only
    under development settings and prints one line when pcscd/vpcd are not installed. It stops
    with the server, and stops whatever it started.
    """
    resident = os.environ.get("MADOGUCHI_VIRTUAL_CARD", "")
    if not resident or os.environ.get("RUN_MAIN") == "true":
        return None
    command = [sys.executable, "-m", "madoguchi.cli", "counter-demo", "--if-available"]
    command += ["--resident", resident]
    if port := os.environ.get("MADOGUCHI_VIRTUAL_CARD_PORT", ""):
        command += ["--port", port]
    if reader := os.environ.get("MADOGUCHI_VIRTUAL_CARD_READER", ""):
        command += ["--reader", reader]
    if agent_port := os.environ.get("MADOGUCHI_COUNTER_AGENT_PORT", ""):
        command += ["--agent-port", agent_port]
    return subprocess.Popen(command)  # noqa: S603


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["counter-agent"]:
        # The counter PC's card agent: no Django, no settings, no database.
        from madoguchi.counter.agent.command import run

        raise SystemExit(run(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.dev")
    from django.core.management import execute_from_command_line

    if args[:1] == ["serve"]:
        address = args[1] if len(args) > 1 else "127.0.0.1:8000"
        execute_from_command_line(["madoguchi", "migrate", "--noinput", "-v", "0"])
        helpers = [_start_worker(), _start_virtual_card()]
        try:
            execute_from_command_line(["madoguchi", "runserver", address, *args[2:]])
        finally:
            for helper in helpers:
                if helper is not None:
                    helper.terminate()
                    helper.wait(timeout=10)
        return
    execute_from_command_line(["madoguchi", *args])


if __name__ == "__main__":
    main()
