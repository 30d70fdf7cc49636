"""The ``madoguchi`` command: Django's management commands plus a few shortcuts.

``madoguchi serve`` migrates and serves; ``madoguchi demo --reset`` loads demo data;
anything else is passed to Django (``madoguchi forms export 172065 ningen-dock-josei``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.dev")
    args = list(sys.argv[1:] if argv is None else argv)
    from django.core.management import execute_from_command_line

    if args[:1] == ["serve"]:
        address = args[1] if len(args) > 1 else "127.0.0.1:8000"
        execute_from_command_line(["madoguchi", "migrate", "--noinput", "-v", "0"])
        execute_from_command_line(["madoguchi", "runserver", address, *args[2:]])
        return
    execute_from_command_line(["madoguchi", *args])


if __name__ == "__main__":
    main()
