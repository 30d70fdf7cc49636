"""``madoguchi verify ledger|receipt|consistency``: offline checks for auditors.

Nothing here touches the database or the network: the command runs on an auditor's
laptop with only the files and the published verifier key. It lives in documents, not in
ledger, because checking a receipt needs documents' verifier and documents sits above ledger.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.documents.verify import verify_receipt_file
from madoguchi.ledger import verify


def key_text(value: str) -> str:
    """``--key`` takes the verifier key itself or a file holding it."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise CommandError(f"cannot read the key file {value}: {error}") from error
    return value.strip()


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error}") from error


def read_proof(path: str) -> list[str]:
    """A proof file: the API's JSON answer ({"proof": [...]}) or one hex hash per line."""
    text = read_text(path)
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return [line.strip() for line in text.splitlines() if line.strip()]
    proof = parsed.get("proof") if isinstance(parsed, dict) else parsed
    if not isinstance(proof, list):
        raise CommandError(f"{path} holds no proof")
    return [str(value) for value in proof]


class Command(BaseCommand):
    help = "Verify a ledger export, a receipt or two checkpoints, offline."
    # An auditor's machine has no database: skip the checks that would open one.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        ledger = sub.add_parser("ledger", help="check a `madoguchi ledger export` file")
        ledger.add_argument("file")
        ledger.add_argument("--key", required=True, help="verifier key text or a file with it")
        ledger.add_argument("--checkpoint", help="a checkpoint note obtained independently (file)")
        receipt = sub.add_parser("receipt", help="check a receipt PDF (受付証)")
        receipt.add_argument("file")
        receipt.add_argument(
            "--seal-root", action="append", default=[], help="PEM of a trusted seal root"
        )
        receipt.add_argument("--ledger-key", help="file with the ledger's verifier key")
        receipt.add_argument(
            "--jpki-root", action="append", default=[], help="PEM of a trusted JPKI root"
        )
        consistency = sub.add_parser(
            "consistency", help="check that a newer checkpoint extends an older one"
        )
        consistency.add_argument("old_note")
        consistency.add_argument("new_note")
        consistency.add_argument(
            "--proof", required=True, help="the API's consistency answer (JSON) or hex lines"
        )
        consistency.add_argument("--key", required=True, help="verifier key text or file")

    def handle(self, *args: Any, **options: Any) -> None:
        what = options["what"]
        if what == "ledger":
            self._ledger(options)
        elif what == "receipt":
            code = verify_receipt_file(
                options["file"],
                seal_root_files=options["seal_root"],
                ledger_key_file=options["ledger_key"],
                jpki_root_files=options["jpki_root"],
            )
            if code:
                raise SystemExit(code)
        elif what == "consistency":
            try:
                old, new = verify.verify_consistency(
                    read_text(options["old_note"]),
                    read_text(options["new_note"]),
                    read_proof(options["proof"]),
                    key_text(options["key"]),
                )
            except verify.VerificationFailed as error:
                self.stdout.write(f"FAILED: {error.message}")
                raise SystemExit(1) from error
            self.stdout.write(f"OK: the tree of size {new} extends the tree of size {old}")

    def _ledger(self, options: dict[str, Any]) -> None:
        try:
            data = verify.load_export(options["file"])
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read the export {options['file']}: {error}") from error
        extra = read_text(options["checkpoint"]) if options["checkpoint"] else None
        report = verify.verify_export(data, key_text(options["key"]), checkpoint=extra)
        self.stdout.write(report.summary())
        if not report.ok:
            raise SystemExit(1)
