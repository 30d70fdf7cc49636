from __future__ import annotations

from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Department, Municipality

from .schema import FormSchema


class Form(models.Model):
    """A procedure's online form. Its content lives in versions; this row is the identity."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="forms")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="forms")
    slug = models.SlugField(_("slug"), max_length=80)
    category = models.JSONField(_("category"), default=dict, blank=True)
    current_version = models.ForeignKey(
        "FormVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="form_slug_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality.lg_code}/{self.slug}"


class FormVersion(models.Model):
    """An immutable, published version of a form. Submissions point here forever."""

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("A published form version is immutable; publish a new version")
        super().save(*args, **kwargs)

    @cached_property
    def schema(self) -> FormSchema:
        return FormSchema.model_validate(self.definition)
