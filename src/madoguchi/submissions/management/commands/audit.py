"""``madoguchi audit``: check stored submissions against their documents and the ledger."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.submissions import integrity
from madoguchi.submissions.models import Submission


class Command(BaseCommand):
    help = (
        "Check every submission's answers and files against its recorded document, the "
        "audit ledger and (when signed) the applicant's signature. Exit code 1 on a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lg-code", help="only this municipality")
        parser.add_argument("--files", action="store_true", help="also re-hash every attached file")

    def handle(self, *args: Any, **options: Any) -> None:
        submissions = Submission.objects.order_by("pk")
        if options["lg_code"]:
            submissions = submissions.filter(municipality__lg_code=options["lg_code"])
        checked = submissions.count()
        problems = list(integrity.audit(submissions, files=options["files"]))
        for problem in problems:
            self.stdout.write(f"FAIL {problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {checked} submissions")
        self.stdout.write(f"OK: {checked} submissions match their documents and the ledger")
