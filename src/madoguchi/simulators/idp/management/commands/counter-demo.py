"""``madoguchi counter-demo --resident ID``: the counter's card path for `make run`
(development only; ``madoguchi serve`` starts it when ``MADOGUCHI_VIRTUAL_CARD`` is set).

pcscd (our child when none runs and we are root), the card agent on 127.0.0.1:47120 for the
site's origin with a development pairing token printed, and the resident's virtual card in
vpcd's reader, until Ctrl-C or SIGTERM; everything it started stops with it
(``madoguchi.simulators.card.counter_demo``, docs/counter.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.counter.agent.server import DEFAULT_PORT
from madoguchi.simulators.card import vpcd
from madoguchi.simulators.card.counter_demo import (
    INSTALL_HINT,
    running_agent,
    running_pcscd,
    vpcd_installed,
)


class Command(BaseCommand):
    help = "pcscd, the counter card agent and a demo resident's virtual card (development)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resident", default="kaga-taro", help="demo resident id")
        parser.add_argument("--port", type=int, default=vpcd.DEFAULT_PORT, help="vpcd's port")
        parser.add_argument(
            "--reader",
            default="",
            help="the reader's PC/SC name (default: Debian's name for --port)",
        )
        parser.add_argument(
            "--agent-port", type=int, default=DEFAULT_PORT, help="the agent's loopback port"
        )
        parser.add_argument(
            "--if-available",
            action="store_true",
            help="print one line and exit 0 when pcscd/vpcd are not installed (make run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not vpcd_installed():
            if options["if_available"]:
                self.stdout.write(INSTALL_HINT)
                return
            raise CommandError(INSTALL_HINT)
        port = options["port"]
        say = self._say
        with (
            running_pcscd(say),
            running_agent(
                site_url=settings.MADOGUCHI_SITE_URL,
                port=options["agent_port"],
                reader=options["reader"] or vpcd.READER_NAMES.get(port, "Virtual PCD"),
                config=settings.VAR_DIR / "counter-agent.json",
                say=say,
            ),
        ):
            call_command("virtual-card", resident=options["resident"], port=port)

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
