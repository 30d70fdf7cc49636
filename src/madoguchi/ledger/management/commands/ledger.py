"""``madoguchi ledger checkpoint|export|public-key|status``: operate the audit ledger.

Run ``madoguchi ledger checkpoint`` from cron or a systemd timer (docs/trust.md) so that
checkpoints are signed periodically even when nobody asks the public URL.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.ledger import checkpoint, notes, selectors, services
from madoguchi.ledger.models import Checkpoint
from madoguchi.ledger.verify import EXPORT_FORMAT


def write_export(out: IO[str], signed: Checkpoint) -> int:
    """Stream the export of the entries ``signed`` covers; returns how many were written."""
    origin = notes.parse_checkpoint_body(notes.split_note(signed.note)[0]).origin
    header = {
        "format": EXPORT_FORMAT,
        "origin": origin,
        "public_key": checkpoint.public_key_text(),
        "checkpoint": signed.note,
    }
    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "entries": [')
    count = 0
    for entry in selectors.entries_upto(signed.tree_size):
        line = json.dumps(entry.as_export(), ensure_ascii=False)
        out.write(("\n" if count == 0 else ",\n") + line)
        count += 1
    out.write("\n]}\n")
    return count


class Command(BaseCommand):
    help = "Sign checkpoints of the audit ledger, export it for auditors, print its key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("checkpoint", help="sign a checkpoint of the current tree (for cron)")
        export = sub.add_parser("export", help="write entries and a checkpoint as JSON")
        export.add_argument("file", help="output file, or - for standard output")
        export.add_argument(
            "--upto",
            type=int,
            help="export up to the latest checkpoint of at most this many entries "
            "(default: sign one of the whole ledger)",
        )
        sub.add_parser("public-key", help="print the verifier key (signed-note format)")
        sub.add_parser("status", help="print the tree size, root and latest checkpoint")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "public-key":
            self.stdout.write(checkpoint.public_key_text())
        elif action == "checkpoint":
            signed = services.sign_checkpoint()
            self.stdout.write(signed.note, ending="")
        elif action == "status":
            head = selectors.current_head()
            latest = selectors.latest_checkpoint()
            self.stdout.write(f"size {head.size}\nroot {head.root.hex()}")
            if latest is not None:
                signed_at = latest.created_at.isoformat()
                self.stdout.write(f"checkpoint {latest.tree_size} at {signed_at}")
        elif action == "export":
            self._export(options["file"], options["upto"])

    def _export(self, path: str, upto: int | None) -> None:
        if upto is None:
            signed = services.sign_checkpoint()
        else:
            found = selectors.latest_checkpoint_upto(upto)
            if found is None:
                raise CommandError(f"no checkpoint of at most {upto} entries; omit --upto")
            signed = found
        if path == "-":
            count = write_export(sys.stdout, signed)
        else:
            with open(path, "w", encoding="utf-8") as out:
                count = write_export(out, signed)
        self.stderr.write(f"exported {count} entries (checkpoint of tree size {signed.tree_size})")
