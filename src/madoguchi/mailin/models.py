from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.submissions.models import Draft, Submission
from madoguchi.tenants.models import Department, Municipality


class MailStatus(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting the paper by post")
    ARRIVED = "arrived", _("Arrived and received")
    EXPIRED = "expired", _("Expired")


class MailApplication(models.Model):
    """An application the resident answered online and will post on paper (郵送申請).

    Invariants: ``answers`` are the cleaned answers exactly as online submission would
    store them (or empty, with ``sealed`` holding them encrypted, when the form's encryption
    is on: ``mailin.sealed``), and ``answers_sha256`` is the SHA-256 of their canonical JSON
    (``submissions.document.canonical_bytes``), which the printed QR code carries; neither
    changes after preparation. ``reference`` (``M-<lg code>-<year>-<sequence>``) is unique
    and gap-free per municipality and year (``MailCounter``). ``submission`` is set exactly
    when the status is ``arrived``. Only the hash of the resident's secret link is kept.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    # The draft it was made from, so preparing again finds it; gone once the draft is purged.
    draft = models.OneToOneField(
        Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="mail_application"
    )
    reference = models.CharField(_("mail reference"), max_length=24, unique=True)
    answers = models.JSONField()
    answers_sha256 = models.CharField(max_length=64)
    # On a form with end-to-end encryption (``mailin.sealed``): ``answers`` stay empty and
    # this holds them as ciphertext ({"suite", "recipients", "ciphertext", "plaintext_sha256"}),
    # until the paper arrives or the application expires.
    sealed = models.JSONField(null=True, blank=True)
    identity = models.ForeignKey(
        VerifiedIdentity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Keys of the answers that came from the verified identity, not from typing.
    prefilled_fields = models.JSONField(default=list, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="ja")
    # The resident's secret link (status page and PDF): only its SHA-256, as for drafts. The
    # same hash becomes the submission's status link when the paper arrives.
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=10, choices=MailStatus.choices, default=MailStatus.AWAITING
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    submission = models.OneToOneField(
        Submission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mail_application",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class MailCounter(models.Model):
    """The last mail reference issued per municipality and year (gap-free by construction)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="mail_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.year}: {self.last}"
