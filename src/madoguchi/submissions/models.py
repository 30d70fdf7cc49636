from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.tenants.models import Department, Municipality, StaffMember

from . import filenames


class Channel(models.TextChoices):
    ONLINE = "online", _("Online application")
    MAIL = "mail", _("Mail-in form")
    # Pre-registered or filled in with the clerk (書かない窓口): 「窓口」, as the inbox tag.
    COUNTER = "counter", pgettext_lazy("channel tag", "At the counter")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    RETURNED = "returned", _("Returned for correction")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Completed")
    # The applicant took the application back (取下げ) before a decision.
    WITHDRAWN = "withdrawn", _("Withdrawn")


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
    # Files received in the draft's life, replacements included (MADOGUCHI_UPLOADS_PER_DRAFT).
    upload_count = models.PositiveIntegerField(default=0)
    # What the resident typed but has not had checked yet (一時保存 or a language switch on a
    # page with errors): raw values by field key, shown again and validated at 次へ/review.
    typed = models.JSONField(default=dict, blank=True)
    # How the resident chose to send it (a form may offer several channels): online, or
    # mail (the answers become a paper to print and post; the card is then optional).
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # Started from a procedure guide's result (its links carry ?from=guide): a flag for the
    # improvement analytics' count of guide results followed, copied to the submission.
    from_guide = models.BooleanField(default=False)

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
    # How the applicant's identity was checked: a code of submissions.identity_levels
    # ("none", "account", "mynumber"; at the counter "counter_visual", "counter_card").
    identity_level = models.CharField(max_length=20, default="none")
    identity = models.ForeignKey(
        VerifiedIdentity, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Keys of the answers that came from the verified identity, not from typing.
    prefilled_fields = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(db_index=True)
    # When its draft was started (the draft's created_at), for the time residents take to
    # fill the form in; empty for what did not come from a draft (API, paper, counter).
    started_at = models.DateTimeField(null=True, blank=True)
    # Its draft was started from a procedure guide's result (Draft.from_guide).
    from_guide = models.BooleanField(default=False)
    # 到達日: the day a paper application (channel mail) reached the office, which may be
    # before the day staff took it in (``submitted_at``). Empty for online applications,
    # whose arrival is ``submitted_at`` itself.
    received_on = models.DateField(_("date of arrival"), null=True, blank=True)
    # A paper application's scan, kept as the staff's record of the original. It is not
    # one of the applicant's attachments (those are exactly the files of the document):
    # its hash is in the arrival event instead.
    paper_scan = models.FileField(upload_to="paper/%Y/%m/", blank=True)
    paper_scan_sha256 = models.CharField(max_length=64, blank=True, default="")
    # What staff ticked as received with the paper (the form's enclosures, by their text).
    enclosures_received = models.JSONField(default=list, blank=True)
    # The canonical application document (RFC 8785 JSON: answers, form version, attachment
    # hashes, municipality, time), exactly the bytes hashed and, for a signed submission,
    # signed. See madoguchi.submissions.document.
    document = models.TextField(blank=True, default="")
    document_sha256 = models.CharField(max_length=64, blank=True, default="")
    # Review workflow: who handles it and by when (the city's own service standard).
    assignee = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["department", "-submitted_at", "-id"], name="inbox_by_department"),
            # Filters that narrow a department's inbox keep the keyset order.
            models.Index(
                fields=["department", "status", "-submitted_at", "-id"], name="inbox_by_status"
            ),
            models.Index(fields=["assignee", "-submitted_at", "-id"], name="inbox_by_assignee"),
            # Prefix search by applicant name (varchar_pattern_ops makes LIKE 'x%' use the
            # index on PostgreSQL whatever the collation; other databases ignore it).
            models.Index(
                fields=["applicant_name"],
                name="inbox_by_applicant_name",
                opclasses=["varchar_pattern_ops"],
            ),
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
    """A file a resident attached; belongs to a draft until it is submitted.

    A file sent while correcting a returned submission belongs to the correction
    (``correction``) until the correction is resent; only then does it join the submission,
    and the file it replaced leaves it for the correction's history (``superseded_by``).
    So a submission's attachments are always exactly the files of its recorded document.
    """

    draft = models.ForeignKey(
        Draft, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    correction = models.ForeignKey(
        "Correction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pending_attachments",
    )
    superseded_by = models.ForeignKey(
        "Correction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_attachments",
    )
    field_key = models.CharField(max_length=63)
    # Stored under a random name with the extension of the detected type.
    file = models.FileField(upload_to="attachments/%Y/%m/")
    # The name shown and exported: the resident's stem, cleaned, with the detected type's
    # extension (submissions.filenames). Rows from before 0008 may hold the raw name, which
    # is part of their recorded document: show and export ``display_name``.
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.field_key}: {self.name}"

    @property
    def display_name(self) -> str:
        return filenames.safe_name(self.name, self.content_type)

    def descriptor(self) -> dict[str, object]:
        """What the answers store: enough to show and verify, not the bytes."""
        return {
            "id": self.pk,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
        }


class StatusChange(models.Model):
    """One step of a submission's workflow: who moved it, when, and why (kept forever)."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    # The staff member; empty when the resident acted (a resubmission).
    actor = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["submission", "at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    """An internal note between staff; never shown to the resident."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=4000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["submission", "at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.submission_id}"


class Correction(models.Model):
    """A return for correction (差し戻し): the reason, the reopened fields and the link.

    The resident edits only ``fields``; when they resubmit, the answers they replaced are
    kept in ``previous_answers`` so the full history survives under the same receipt number.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="corrections")
    reason = models.TextField(max_length=2000)
    fields = models.JSONField(default=list)
    # Staff who returned it, or none when a back-office system did (``requested_by_system``).
    requested_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The system API client's pseudonym (``system_client:<client id>``) when a back-office
    # system returned it; no name of a person.
    requested_by_system = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField()
    # Only the hash of the resident's link is stored, like a draft's resume link.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    resubmitted_at = models.DateTimeField(null=True, blank=True)
    previous_answers = models.JSONField(default=dict, blank=True)
    previous_document_sha256 = models.CharField(max_length=64, blank=True)
    # Checked corrected answers waiting for the applicant's signature (signed forms only).
    pending_answers = models.JSONField(default=dict, blank=True)
    # Files received for this correction, replacements included (MADOGUCHI_UPLOADS_PER_DRAFT).
    upload_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["submission", "requested_at", "id"]

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.submission_id}"


class ResultDocument(models.Model):
    """電子交付: a document staff deliver to the applicant (a certificate, a decision notice)."""

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="result_documents"
    )
    file = models.FileField(upload_to="results/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    delivered_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField()
    # The first time the applicant downloaded it: the city can see the delivery arrived.
    first_downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "delivered_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} for {self.submission_id}"

    @property
    def display_name(self) -> str:
        return filenames.safe_name(self.name, self.content_type)


class StatusLink(models.Model):
    """A secret link to a submission's status page (申請状況), for applicants without a card.

    Only the hash of the token is stored, like a draft's resume link. A submission has
    one per message that carried one (the confirmation page, each email), so a new email
    never needs the token of an earlier one.
    """

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="status_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"status link {self.pk} of {self.submission_id}"
