from __future__ import annotations

from functools import cached_property

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.tenants.models import Department, Municipality, StaffMember

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
    # Marked by the DX office: departments and other municipalities may copy it.
    is_template = models.BooleanField(_("template"), default=False)
    # When and how much the form accepts. Operational settings, not part of a version:
    # moving a deadline must also apply to drafts started on an older version, and it
    # does not change what residents answer (see docs/builder.md).
    opens_at = models.DateTimeField(_("accepting from"), null=True, blank=True)
    closes_at = models.DateTimeField(_("accepting until"), null=True, blank=True)
    max_submissions = models.PositiveIntegerField(_("maximum submissions"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"], name="form_slug_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality.lg_code}/{self.slug}"


# Validated schemas of saved (immutable) versions, per process.
_SCHEMAS: dict[tuple[object, ...], FormSchema] = {}


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
        # Versions never change once saved, so one validation per process is enough; the
        # publication time is in the key because test databases reuse primary keys.
        key = (self.pk, self.number, self.published_at)
        cached = _SCHEMAS.get(key)
        if cached is None or self.pk is None:
            cached = FormSchema.model_validate(self.definition)
            if self.pk is not None:
                _SCHEMAS[key] = cached
        return cached


class FormDraft(models.Model):
    """The one editable copy of a form that the builder works on.

    It may be incomplete (publishing checks it); publishing copies it into a new
    immutable FormVersion, and ``base_version`` remembers which version it started from.
    """

    form = models.OneToOneField(Form, on_delete=models.CASCADE, related_name="draft")
    definition = models.JSONField(default=dict)
    base_version = models.ForeignKey(
        FormVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"draft of {self.form}"

    @property
    def has_changes(self) -> bool:
        """Whether the draft differs from the version it started from."""
        return self.base_version is None or self.base_version.definition != self.definition
