"""``madoguchi documents``: receipts and the city seal.

madoguchi documents seal-root            print the seal (and TSA) root certificates, PEM
madoguchi documents receipt NUMBER -o F  write the signed receipt of a submission to F
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.documents import seal, services
from madoguchi.submissions.models import Submission


class Command(BaseCommand):
    help = "Receipts and the city seal: print the seal root, write a receipt."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("seal-root", help="Print the root certificates verifiers trust.")
        receipt = actions.add_parser("receipt", help="Write a submission's signed receipt.")
        receipt.add_argument("receipt_number")
        receipt.add_argument("-o", "--output", required=True, help="file to write the PDF to")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal-root":
            self.stdout.write(seal.roots_pem().decode(), ending="")
            return
        try:
            submission = Submission.objects.select_related("municipality").get(
                receipt_number=options["receipt_number"]
            )
        except Submission.DoesNotExist as error:
            raise CommandError(f"no submission {options['receipt_number']}") from error
        Path(options["output"]).write_bytes(services.receipt_pdf(submission))
        self.stdout.write(f"wrote {options['output']}")
