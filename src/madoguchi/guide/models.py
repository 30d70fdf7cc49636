from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Municipality

from .schema import GuideDefinition


class Guide(models.Model):
    """One life event's guide for a municipality; residents see it once published."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="guides")
    slug = models.SlugField(_("slug"), max_length=63)
    definition: models.JSONField[Any, Any] = models.JSONField(_("guide definition"))
    published = models.BooleanField(_("published to residents"), default=False)
    # Raised on every saved change, so a count can be read against what residents saw.
    version = models.PositiveIntegerField(_("definition version"), default=1)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="guide_unique_slug")
        ]
        ordering = ["municipality", "slug"]

    def __str__(self) -> str:
        return f"{self.municipality.lg_code}/{self.slug}"

    @property
    def parsed(self) -> GuideDefinition:
        return GuideDefinition.model_validate(self.definition)


class GuideCount(models.Model):
    """An anonymous counter: how often a procedure was shown in a result, or one of its
    channel buttons followed, per guide and day. No answers, no visitor, no time of day."""

    class Event(models.TextChoices):
        SHOWN = "shown", _("shown in a result")
        ONLINE = "online", _("online button followed")
        MAIL = "mail", _("mail-in button followed")
        COUNTER = "counter", _("counter button followed")
        EXTERNAL = "external", _("external link followed")

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField()
    procedure = models.CharField(max_length=63)
    event = models.CharField(max_length=16, choices=Event.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["guide", "day", "procedure", "event"], name="guide_count_unique_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.guide} {self.day} {self.procedure} {self.event}: {self.count}"
