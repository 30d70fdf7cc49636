"""The ``madoguchi`` command: Django's management commands plus a few shortcuts.

``madoguchi serve`` migrates and serves, with the background task worker beside it
(exports); ``madoguchi demo --reset`` loads demo data; ``madoguchi counter-agent`` runs the
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
        worker = _start_worker()
        try:
            execute_from_command_line(["madoguchi", "runserver", address, *args[2:]])
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
        return
    execute_from_command_line(["madoguchi", *args])


if __name__ == "__main__":
    main()
