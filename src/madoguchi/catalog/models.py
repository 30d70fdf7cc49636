from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.models import Form, FormVersion
from madoguchi.tenants.models import Department, Municipality, StaffMember

from .channels import OfferedChannel, VolumeChannel


class Applicant(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuals")
    BUSINESS = "business", _("Businesses")
    BOTH = "both", _("Individuals and businesses")


class SealReview(models.TextChoices):
    """押印見直し: what the review decided about a hanko the procedure asks for today."""

    NOT_REVIEWED = "not_reviewed", _("Not reviewed yet")
    KEEP = "keep", _("Keep")
    ABOLISH = "abolish", _("Abolish")
    E_SIGNATURE = "e_signature", _("Replace with an electronic signature")


class ReviewState(models.TextChoices):
    """Where the inventory row is in the DX office's review (棚卸)."""

    DRAFT = "draft", _("Being filled in by the department")
    SUBMITTED = "submitted", _("Sent to the DX office")
    REVIEWED = "reviewed", _("Reviewed by the DX office")


class Procedure(models.Model):
    """One procedure of a city's inventory (手続の棚卸), digital or not.

    Invariants: ``procedure_id`` is stable and unique per municipality (open data refers to
    it, so it never changes once published); an excluded procedure has a reason; ``form`` is
    the Madoguchi form that takes it online, if any (its receipts are counted live).
    """

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    procedure_id = models.CharField(_("procedure ID"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    # Counted in the coverage rate (対象手続), or excluded with its reason.
    target = models.BooleanField(_("target of the coverage rate"), default=True)
    exclusion_reason = models.CharField(_("reason for exclusion"), max_length=300, blank=True)
    applicant = models.CharField(
        _("who applies"), max_length=12, choices=Applicant.choices, default=Applicant.INDIVIDUAL
    )
    identity_check_required = models.BooleanField(_("identity check required"), default=False)
    signature_required = models.BooleanField(_("signature required"), default=False)
    seal_required = models.BooleanField(_("hanko required today"), default=False)
    seal_review = models.CharField(
        _("hanko review"),
        max_length=14,
        choices=SealReview.choices,
        default=SealReview.NOT_REVIEWED,
    )
    # OfferedChannel values: how a resident can do it today.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    form = models.ForeignKey(
        Form,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Madoguchi form"),
    )
    annual_volume = models.PositiveIntegerField(
        _("receipts per year (estimate)"), null=True, blank=True
    )
    # 標準処理期間, in business days (public holidays and 年末年始 excluded).
    processing_days = models.PositiveIntegerField(
        _("standard processing period (business days)"), null=True, blank=True
    )
    review_state = models.CharField(
        _("review state"), max_length=10, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    review_note = models.TextField(_("DX office note"), blank=True)
    reviewed_by = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "procedure_id"], name="one_procedure_id_per_city"
            )
        ]
        ordering = ["municipality", "procedure_id"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.name}"

    def channel_labels(self) -> list[str]:
        """The ways to do it, as their labels in the current language."""
        return [
            str(OfferedChannel(value).label)
            for value in self.channels
            if value in OfferedChannel.values
        ]


class MonthlyVolume(models.Model):
    """Receipts of one procedure in one month through one channel, entered or imported.

    Madoguchi's own receipts (procedures with a ``form``) are counted live from
    submissions, never stored here; these rows are the paper and counter volumes of the
    back-office systems, and the national service's counts. ``month`` is the 1st of it.
    """

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="volumes", verbose_name=_("procedure")
    )
    month = models.DateField(_("month"))
    channel = models.CharField(_("channel"), max_length=16, choices=VolumeChannel.choices)
    count = models.PositiveIntegerField(_("receipts"))
    recorded_by = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    # "entered" on the page or "imported" from a file (its SHA-256 in the ledger event).
    source = models.CharField(_("source"), max_length=10, default="entered")

    class Meta:
        verbose_name = _("monthly volume")
        verbose_name_plural = _("monthly volumes")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "month", "channel"], name="one_volume_per_month_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.month:%Y-%m} {self.channel}: {self.count}"


class CoverageTarget(models.Model):
    """The DX office's goal: this coverage rate by this date (Kobe: 70% by FY2025's end)."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    target_percent = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2)
    deadline = models.DateField(_("deadline"))
    set_by = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.target_percent}% by {self.deadline}"


class ValidationFailure(models.Model):
    """How often one question of one form version failed with one message on one day.

    An anonymous counter for the improvement analytics (analytics.py): no draft, no
    submission, no answer; the message is made anonymous before it gets here
    (submissions.validation_hooks). ``code`` is "missing" (a required answer left out) or
    "invalid" (an answer refused); ``where`` the page that showed it: "step" (a page of
    questions), "review" (the confirm page, when sending found a problem) or "api".
    """

    class Where(models.TextChoices):
        STEP = "step", _("question page")
        REVIEW = "review", _("review page")
        API = "api", _("API")

    form_version = models.ForeignKey(
        FormVersion, on_delete=models.CASCADE, related_name="+", verbose_name=_("form version")
    )
    field_key = models.CharField(_("question"), max_length=100)
    code = models.CharField(_("kind"), max_length=10)
    message = models.CharField(_("message"), max_length=200)
    day = models.DateField(_("day"))
    where = models.CharField(_("where"), max_length=10, choices=Where.choices, default=Where.STEP)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("validation failure count")
        verbose_name_plural = _("validation failure counts")
        constraints = [
            models.UniqueConstraint(
                fields=["form_version", "field_key", "code", "message", "day", "where"],
                name="one_failure_count_per_day_and_page",
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_version_id} {self.field_key} {self.day}: {self.count}"


class PublicationSwitch(models.Model):
    """Whether the city publishes its coverage page and open data (公開の設定).

    The DX office turns it on after looking at the preview; without a row the city publishes
    nothing (the public page and the files answer 404, the procedure list has no link).
    """

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    published = models.BooleanField(_("published"), default=False)
    changed_by = models.ForeignKey(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("publication switch")
        verbose_name_plural = _("publication switches")

    def __str__(self) -> str:
        return f"{self.municipality_id}: {'published' if self.published else 'not published'}"
