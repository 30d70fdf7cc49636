"""``madoguchi virtual-card --resident ID [--port 35963]``: a demo resident's My Number Card in
vpcd's virtual reader, until Ctrl-C (development only; docs/counter.md, "The virtual card").

The card lives here because the demo cards do: devidp issued their certificates, and the
simulator app is what development settings install (the card package itself has no models).
"""

from __future__ import annotations

import shutil
import signal
import socket
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.simulators.card import vpcd
from madoguchi.simulators.card.card import card_for
from madoguchi.simulators.idp.residents import RESIDENTS, get_resident

INSTALL_HINT = (
    "virtual card: pcscd and vsmartcard-vpcd are not installed, so no virtual card today "
    "(sudo apt-get install pcscd vsmartcard-vpcd; see docs/counter.md)"
)


PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")


def pcscd_running() -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(PCSCD_SOCKET))
    except OSError:
        return False
    return True


def vpcd_installed() -> bool:
    pcscd = shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")
    return pcscd is not None and Path("/etc/reader.conf.d/vpcd").exists()


class Command(BaseCommand):
    help = "Serve a demo resident's virtual My Number Card to pcscd through vpcd (development)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--resident",
            default="kaga-taro",
            help=f"demo resident id: {', '.join(r.id for r in RESIDENTS)}",
        )
        parser.add_argument("--port", type=int, default=vpcd.DEFAULT_PORT, help="vpcd's port")
        parser.add_argument(
            "--if-available",
            action="store_true",
            help="print one line and exit 0 when pcscd/vpcd are not installed (make run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            resident = get_resident(options["resident"])
        except LookupError as error:
            raise CommandError(f"no demo resident {options['resident']!r}") from error
        if not vpcd_installed():
            if options["if_available"]:
                self.stdout.write(INSTALL_HINT)
                return
            raise CommandError(INSTALL_HINT)
        card = card_for(resident.id)
        port = options["port"]
        self.stdout.write(
            f"virtual card: {resident.name} ({resident.id}) in "
            f"{vpcd.READER_NAMES.get(port, 'vpcd')} (127.0.0.1:{port}); "
            f"PIN {resident.auth_pin}, signing password {resident.sign_pin}. Ctrl-C to stop."
        )
        if not pcscd_running():
            self.stdout.write(
                "virtual card: waiting for pcscd (sudo systemctl start pcscd.socket, or "
                "sudo pcscd --foreground in a container)"
            )
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())  # `madoguchi serve` stops it
        try:
            vpcd.serve(card, port=port, stop=stop)
        except KeyboardInterrupt:
            stop.set()
