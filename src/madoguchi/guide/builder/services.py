"""Writes of the guide builder: a new guide, each edit, publishing.

Every edit is applied to the stored definition under a row lock, validated by the schema as
a whole candidate, and saved through ``guide.services.save_guide`` (which raises the
version) only when valid: an invalid candidate raises :class:`InvalidCandidate` and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from madoguchi.tenants.models import Municipality

from .. import services as guide_services
from ..models import Guide
from ..schema import GuideDefinition
from . import edits
from .problems import Problem, problems_of

# Addresses of the builder's own pages: a guide with one of these slugs could not be reached.
RESERVED_SLUGS = frozenset({"new", "build"})


class InvalidCandidate(ValueError):
    """The definition an edit would make is not valid; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def validate(candidate: edits.Definition) -> GuideDefinition:
    try:
        return GuideDefinition.model_validate(candidate)
    except ValidationError as error:
        raise InvalidCandidate(problems_of(error, candidate)) from error


@transaction.atomic
def create_guide(
    *, municipality: Municipality, slug: str, title: dict[str, str] | None, life_event: str
) -> Guide:
    """A new, unpublished guide with the life event's first question and procedure."""
    problems = []
    if not edits.is_form_slug(slug) or slug in RESERVED_SLUGS:
        problems.append(
            Problem("", "", "slug", _("Use lower-case letters, digits and hyphens, e.g. kekkon."))
        )
    elif Guide.objects.filter(municipality=municipality, slug=slug).exists():
        problems.append(Problem("", "", "slug", _("A guide with this slug already exists.")))
    if life_event not in edits.LIFE_EVENTS:
        problems.append(Problem("", "", "life_event", _("Choose the life event.")))
    if title is None or not title.get("ja"):
        problems.append(
            Problem("", "", "title", _("Enter the Japanese text (English is optional)."))
        )
    if problems:
        raise InvalidCandidate(problems)
    assert title is not None
    definition = validate(edits.starter(title=title, life_event=life_event))
    return guide_services.save_guide(
        municipality=municipality, slug=slug, definition=definition, publish=False
    )


def update(*, guide: Guide, edit: Callable[[edits.Definition], edits.Definition]) -> Guide:
    """Apply ``edit`` to the stored definition and save the result when the schema accepts
    it. ``edit`` may raise ``BuilderError``; then too, nothing is saved."""
    with transaction.atomic():
        locked = Guide.objects.select_for_update().get(pk=guide.pk)
        definition = validate(edit(locked.definition))
        return guide_services.save_guide(
            municipality=locked.municipality, slug=locked.slug, definition=definition, publish=False
        )


def publish(*, guide: Guide) -> Guide:
    """Show the saved definition to residents (it was validated when saved)."""
    with transaction.atomic():
        locked = Guide.objects.select_for_update().get(pk=guide.pk)
        validate(locked.definition)
        locked.published = True
        locked.save(update_fields=["published", "updated_at"])
        return locked
