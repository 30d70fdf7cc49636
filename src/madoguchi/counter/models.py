"""Channel 3 (窓口): pre-registrations, visits at a counter, and what happens in them.

One form definition drives all of it: a pre-registration keeps its answers in the draft
(editable until check-in); at the counter the clerk opens a :class:`Visit` for one person,
adds one :class:`VisitApplication` per procedure (from a pre-registration or started by the
clerk, 書かない窓口), corrects answers with the resident (every change a
:class:`CounterEdit` with who and why), the resident confirms on the paired display and,
where the card is used, signs; accepting makes a submission of channel ``counter``.

Personal data lives here only while the visit is open (``Visit.person``, answers) and in
the submissions it produces; the ledger gets pseudonyms and hashes only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.mailin.models import MailApplication
from madoguchi.submissions.models import Draft, Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember


class PreregistrationStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for the visit")
    CHECKED_IN = "checked_in", _("Checked in at the counter")
    EXPIRED = "expired", _("Expired")


class Preregistration(models.Model):
    """A resident's answers made ready before coming to the counter (窓口事前登録).

    Invariants: ``reference`` is short, unambiguous when read aloud and unique; the answers
    stay in ``draft`` (the resident may still change them) until check-in, when they are
    copied into the visit's application and ``visit_application`` is set (status
    ``checked_in``). Only the hash of the resident's secret link is kept.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    draft = models.OneToOneField(
        Draft,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counter_preregistration",
    )
    reference = models.CharField(_("pre-registration number"), max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        max_length=12,
        choices=PreregistrationStatus.choices,
        default=PreregistrationStatus.WAITING,
    )
    language = models.CharField(max_length=8, default="ja")
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class Assurance(models.TextChoices):
    """How the clerk established who the resident is, recorded precisely."""

    NONE = "none", _("Not yet checked")
    # 窓口・目視確認: identity documents shown and checked by eye.
    VISUAL = "counter_visual", _("At the counter: documents checked by eye")
    # 窓口・カード読取（券面AP＋利用者証明）: basic four items read from the card, and the card
    # proved genuine and unrevoked by a JPKI user-authentication signature over our nonce.
    CARD = (
        "counter_card",
        _("At the counter: My Number Card read (card info AP + JPKI authentication)"),
    )


class IdentityDocument(models.TextChoices):
    """Identity documents a clerk may record as shown (窓口・目視確認); the visit and the
    ledger keep the code."""

    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    MY_NUMBER_CARD = "my_number_card", _("My Number Card (checked by eye)")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_CARD = "residence_card", _("Residence card")
    HEALTH_INSURANCE_CARD = "health_insurance_card", _("Health insurance card")
    DISABILITY_CERTIFICATE = "disability_certificate", _("Physical disability certificate")
    OTHER_OFFICIAL = "other_official", _("Other official identity document")


class Visit(models.Model):
    """One person's visit at one counter, served by one clerk (来庁)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    clerk = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    # The desk, as the clerk named it ("3番窓口"); shown on the resident display.
    counter_name = models.CharField(_("counter"), max_length=60, blank=True)
    started_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # The person: the basic four items (name, address, birth_date, sex) from the card or
    # typed by the clerk; cleared when the visit closes (the submissions keep their copy).
    person = models.JSONField(default=dict, blank=True)
    assurance = models.CharField(max_length=20, choices=Assurance.choices, default=Assurance.NONE)
    # For VISUAL: which documents were shown, as IdentityDocument codes.
    documents_shown = models.JSONField(default=list, blank=True)
    # For CARD: the card read, proven by the authentication certificate (hash only).
    card_certificate_sha256 = models.CharField(max_length=64, blank=True, default="")
    card_checked_at = models.DateTimeField(null=True, blank=True)
    # The one outstanding challenge for the card (hex), and when it stops being accepted.
    card_nonce = models.CharField(max_length=64, blank=True, default="")
    card_nonce_expires_at = models.DateTimeField(null=True, blank=True)
    # The identity made from a card read, so answers are prefilled and locked as online.
    identity = models.ForeignKey(
        VerifiedIdentity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Pairing of the resident-facing display: a short code the display shows or the clerk
    # types, and the hash of the display's secret once paired.
    display_code = models.CharField(max_length=8, blank=True, default="", db_index=True)
    display_code_expires_at = models.DateTimeField(null=True, blank=True)
    display_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # Why the last card read was refused (a ``counter.card.CardRefused`` code), for the
    # clerk's page; the resident display only says the card could not be used.
    card_refusal = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"visit {self.pk} at {self.counter_name or self.department_id}"

    def documents_shown_labels(self) -> list[str]:
        labels = dict(IdentityDocument.choices)
        return [str(labels.get(code, code)) for code in self.documents_shown]


class ApplicationState(models.TextChoices):
    EDITING = "editing", _("Being filled in with the clerk")
    CONFIRMING = "confirming", _("Shown to the resident to confirm")
    CONFIRMED = "confirmed", _("Confirmed by the resident")
    SUBMITTED = "submitted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")
    # The paper was printed (counter.printing): the signed paper is taken in at mail-in
    # intake (/staff/mail/), never accepted at the counter as well.
    ON_PAPER = "on_paper", _("Continues on paper (signed paper to take in)")


class VisitApplication(models.Model):
    """One procedure in a visit: from a pre-registration or started by the clerk."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="applications")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    preregistration = models.OneToOneField(
        Preregistration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visit_application",
    )
    answers = models.JSONField(default=dict, blank=True)
    # Keys of the answers that came from the card read (locked as online).
    prefilled_fields = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=12, choices=ApplicationState.choices, default=ApplicationState.EDITING
    )
    # SHA-256 of the canonical answers the resident confirmed on the display; a later edit
    # invalidates the confirmation.
    confirmed_sha256 = models.CharField(max_length=64, blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the resident pressed 「職員に伝える」 (not right) on the display, until the clerk
    # shows the application again.
    flagged_at = models.DateTimeField(null=True, blank=True)
    # A signature with the card in progress: the canonical document's SHA-256 (hex) and the
    # time it was made, so the document can be made again and compared when the card answers.
    sign_sha256 = models.CharField(max_length=64, blank=True, default="")
    sign_created_at = models.DateTimeField(null=True, blank=True)
    submission = models.OneToOneField(
        Submission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counter_application",
    )
    # The mail-in paper printed for it (counter.printing): its M- reference is taken in at
    # /staff/mail/.
    paper = models.ForeignKey(
        MailApplication, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Holds the application's files (counter.files): the pre-registration's draft, taken
    # off the resident's link at check-in, or one made for a photo taken at the counter.
    # Its attachments move to the submission when accepted; it goes when the visit closes.
    files = models.OneToOneField(
        Draft, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.form_version} in visit {self.visit_id}"


class CounterEdit(models.Model):
    """A change the clerk made to an answer with the resident, with who and why."""

    application = models.ForeignKey(
        VisitApplication, on_delete=models.CASCADE, related_name="edits"
    )
    clerk = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    field_key = models.CharField(max_length=100)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.field_key} changed at {self.at:%Y-%m-%d %H:%M}"
