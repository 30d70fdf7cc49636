"""``madoguchi forms import FILE...`` and ``madoguchi forms export LG_CODE SLUG``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from madoguchi.forms import services
from madoguchi.forms.models import Form


class Command(BaseCommand):
    help = (
        "Import form definitions (YAML/JSON) as new versions, or export a form's current version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        importer = sub.add_parser("import", help="publish each file as the form's next version")
        importer.add_argument("files", nargs="+", type=Path)
        exporter = sub.add_parser("export", help="print the current version")
        exporter.add_argument("lg_code")
        exporter.add_argument("slug")
        exporter.add_argument("--format", choices=["yaml", "json"], default="yaml")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            for path in options["files"]:
                try:
                    version = services.import_form(services.load_form_file(path))
                except services.InvalidFormDefinition as error:
                    raise CommandError(f"{path}:\n{error}") from error
                self.stdout.write(f"published {version}")
            return
        try:
            form = Form.objects.get(municipality__lg_code=options["lg_code"], slug=options["slug"])
            data = services.export_form(form)
        except Form.DoesNotExist as error:
            raise CommandError(f"no such form: {options['lg_code']}/{options['slug']}") from error
        except services.InvalidFormDefinition as error:
            raise CommandError(str(error)) from error
        # self.stdout, not sys.stdout, so that call_command(stdout=...) captures the file.
        if options["format"] == "json":
            text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        else:
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        self.stdout.write(text, ending="")
