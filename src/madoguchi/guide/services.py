"""Writes: saving and publishing a guide definition, and the anonymous counters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop
from pydantic import ValidationError

from madoguchi.tenants.models import Municipality

from .models import Guide, GuideCount
from .schema import GuideDefinition
from .schema_errors import Line, line, lines_of


class InvalidGuide(ValueError):
    """A guide definition that cannot be saved, with what to fix, one line per problem.

    ``lines`` are in English (the schema's words, for logs and commands); :meth:`translated`
    says them in the active language, for the page.
    """

    def __init__(self, problems: list[Line]) -> None:
        self.problems = problems
        self.lines = [problem.english_line for problem in problems]
        super().__init__("\n".join(self.lines))

    def translated(self) -> list[str]:
        return [problem.text() for problem in self.problems]


def parse_definition(data: Any) -> GuideDefinition:
    if not isinstance(data, dict):
        english = "expected a mapping (title, questions, procedures)"
        what = gettext_noop("Write a mapping with title, questions and procedures.")
        raise InvalidGuide([line("definition", english, what)])
    try:
        return GuideDefinition.model_validate(data)
    except ValidationError as error:
        raise InvalidGuide(lines_of(error)) from error


def parse_yaml(text: str) -> GuideDefinition:
    """A definition from YAML text; a syntax error names its line."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        detail = str(getattr(error, "problem", None) or error)
        if mark is None:
            raise InvalidGuide([line("YAML", detail)]) from error
        # PyYAML's own words (e.g. "expected ',' or ']'") stay as they are, after ours.
        number = str(mark.line + 1)
        what = gettext_noop("the YAML cannot be read here (%(detail)s).")
        place = gettext_noop("line %(line)s")
        problem = line(f"line {number}", detail, what, place=place, line=number, detail=detail)
        raise InvalidGuide([problem]) from error
    return parse_definition(data)


@transaction.atomic
def save_guide(
    *, municipality: Municipality, slug: str, definition: GuideDefinition, publish: bool
) -> Guide:
    """Create or replace a guide's definition; each saved change raises its version."""
    data = definition.model_dump(mode="json", exclude_none=True)
    guide = Guide.objects.select_for_update().filter(municipality=municipality, slug=slug).first()
    if guide is None:
        guide = Guide(municipality=municipality, slug=slug, definition=data)
    else:
        guide.definition = data
        guide.version += 1
    guide.published = publish or guide.published
    guide.full_clean()
    guide.save()
    return guide


def load_guide_file(path: Path, *, municipality: Municipality) -> Guide:
    """A published guide from ``<lg_code>-<slug>.yaml`` (the demo's guides)."""
    slug = path.stem.split("-", 1)[1]
    definition = parse_yaml(path.read_text(encoding="utf-8"))
    return save_guide(municipality=municipality, slug=slug, definition=definition, publish=True)


def count(*, guide: Guide, procedure: str, event: str) -> None:
    """Add one to today's counter row; concurrent requests each add theirs."""
    row = GuideCount.objects.filter(
        guide=guide, day=timezone.localdate(), procedure=procedure, event=event
    )
    if row.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            GuideCount.objects.create(
                guide=guide, day=timezone.localdate(), procedure=procedure, event=event, count=1
            )
    except IntegrityError:
        row.update(count=F("count") + 1)
