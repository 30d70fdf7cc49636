from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.tenants.models import Department, Municipality


class Channel(models.TextChoices):
    ONLINE = "online", _("Online application")
    MAIL = "mail", _("Mail-in form")
    COUNTER = "counter", _("Counter pre-registration")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Completed")


class Draft(models.Model):
    """An application in progress. Found by the hash of its secret resume link."""

    token_hash = models.CharField(max_length=64, unique=True)
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)
    # Index of the furthest step completed; steps beyond it cannot be skipped to.
    completed_steps = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8, default="ja")
    # Set when the resident proved who they are (My Number Card); its items are locked.
    identity = models.ForeignKey(
        VerifiedIdentity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.form_version}"


class Submission(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    answers = models.JSONField()
    applicant_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="ja")
    # Identity assurance of the applicant: "none", "account" or "mynumber".
    identity_level = models.CharField(max_length=20, default="none")
    identity = models.ForeignKey(
        VerifiedIdentity, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Keys of the answers that came from the verified identity, not from typing.
    prefilled_fields = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["department", "-submitted_at", "-id"], name="inbox_by_department"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class ReceiptCounter(models.Model):
    """The last receipt number issued per municipality and year (gap-free by construction)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="receipt_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.year}: {self.last}"


class Attachment(models.Model):
    """A file a resident attached; belongs to a draft until it is submitted."""

    draft = models.ForeignKey(
        Draft, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    field_key = models.CharField(max_length=63)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.field_key}: {self.name}"

    def descriptor(self) -> dict[str, object]:
        """What the answers store: enough to show and verify, not the bytes."""
        return {
            "id": self.pk,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
        }
