"""``madoguchi counter-agent``: start the card agent on the counter PC (no Django involved).

    madoguchi counter-agent --origin https://city.example [--origin URL ...] [--port 47120]
                            [--reader NAME] [--config PATH]
    madoguchi counter-agent --list-readers

The pairing token is made once and kept in the config file (mode 0600); the clerk pastes it on
the counter screen once per browser.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
from pathlib import Path

from .card import PcscConnector, list_readers
from .server import DEFAULT_PORT, LOOPBACK, Agent, AgentHTTPServer, normalise_origin


def default_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "madoguchi" / "counter-agent.json"


def load_or_create_token(path: Path) -> str:
    """The pairing token kept in ``path``; made (and the file written 0600) on first use."""
    if path.exists():
        os.chmod(path, 0o600)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise SystemExit(f"cannot read {path}: {error}") from None
        token = stored.get("token") if isinstance(stored, dict) else None
        if isinstance(token, str) and len(token) >= 32:
            return token
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"token": token}, handle)
    os.chmod(path, 0o600)
    return token


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="madoguchi counter-agent",
        description="My Number Card agent of the counter PC (loopback HTTP on 127.0.0.1).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument(
        "--origin",
        action="append",
        default=[],
        metavar="URL",
        help="origin of the Madoguchi site allowed to use the agent (repeatable)",
    )
    parser.add_argument("--reader", help="reader name (or part of it); default: the first one")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"token file (default: {default_config_path()})",
    )
    parser.add_argument("--list-readers", action="store_true", help="list PC/SC readers and exit")
    parser.add_argument("--verbose", action="store_true", help="log each APDU's status word")
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.list_readers:
        readers = list_readers()
        for name in readers:
            print(name)
        if not readers:
            print("No PC/SC reader found (is pcscd running?)", file=sys.stderr)
        return 0 if readers else 1
    if not options.origin:
        parser.error("give at least one --origin (the Madoguchi site's URL)")
    try:
        origins = frozenset(normalise_origin(origin) for origin in options.origin)
    except ValueError as error:
        parser.error(str(error))
    if not 1 <= options.port <= 65535:
        parser.error("--port must be between 1 and 65535")
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    config = options.config or default_config_path()
    token = load_or_create_token(config)
    agent = Agent(connector=PcscConnector(options.reader), token=token, origins=origins)
    server = AgentHTTPServer(agent, host=LOOPBACK, port=options.port)
    print(
        f"Madoguchi counter agent on http://{LOOPBACK}:{options.port}/v1/status\n"
        f"Allowed origins: {', '.join(sorted(origins))}\n"
        f"Pairing token (kept in {config}):\n\n    {token}\n\n"
        "窓口の「カードエージェントの設定」（/staff/counter/card/agent/）に、ブラウザーごとに一度\n"
        "このトークンを貼り付けてください。\n"
        "Paste this token once per browser on the counter's Card agent settings page\n"
        "(/staff/counter/card/agent/).\n"
        "Stop with Ctrl+C.",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(run(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
