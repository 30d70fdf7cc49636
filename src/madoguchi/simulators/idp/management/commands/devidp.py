"""``madoguchi devidp``: manage the Digital Authentication App simulator.

madoguchi devidp register CLIENT_ID --redirect-uri URI [--redirect-uri URI] --jwks-file F [--name N]
madoguchi devidp rotate-keys
madoguchi devidp reset-cards [--resident ID]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.simulators.idp import keys, services


class Command(BaseCommand):
    help = "Manage the Digital Authentication App simulator (development and tests only)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        register = actions.add_parser("register", help="Register or update a relying party.")
        register.add_argument("client_id")
        register.add_argument(
            "--redirect-uri", action="append", required=True, dest="redirect_uris"
        )
        register.add_argument("--jwks-file", required=True, help="JWK Set with public keys")
        register.add_argument("--name", default="")

        actions.add_parser("rotate-keys", help="New id_token signing key; keep the previous.")

        reset = actions.add_parser("reset-cards", help="Unlock the demo cards' PINs.")
        reset.add_argument("--resident", default=None, help="only this demo resident's card")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "register":
            self._register(options)
        elif action == "rotate-keys":
            key = keys.rotate_keys()
            self.stdout.write(f"new signing key {key.kid}")
        elif action == "reset-cards":
            count = services.reset_cards(resident_id=options["resident"])
            self.stdout.write(f"reset {count} demo card(s)")

    def _register(self, options: dict[str, Any]) -> None:
        try:
            jwks = json.loads(Path(options["jwks_file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the JWK Set: {error}") from error
        try:
            relying_party = services.register_relying_party(
                client_id=options["client_id"],
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                jwks=jwks,
            )
        except services.InvalidRelyingParty as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"registered {relying_party.client_id}: {', '.join(relying_party.redirect_uris)}"
        )
