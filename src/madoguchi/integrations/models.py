"""Back-office integration (issue 20): system API clients, the change feed, signed webhooks,
end-to-end encryption to the department's key, the LGWAN-side node's pull state, file drops.

What each model is for, and which node keeps it:

internet node (residents)            LGWAN node (staff)
- SystemClient, ClientSecret,         - PullSource (where it pulls from, with its client)
  AccessToken, Acknowledgement        - MirroredSubmission (local submission ↔ remote id)
- FeedEntry, SubjectIndex             - PendingPush (a status change to send back)
                                      - MirroredCorrection (a return taken there)
- WebhookEndpoint, WebhookDelivery,   - FileDrop, FileDropRun (legacy intake by files)
  WebhookAttempt
- EncryptionKey (public keys only), EncryptionPolicy, SealedSubmission,
  SealedCorrection

A single-instance city (LGWAN-ASP style) uses the left column only.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.exports.models import ExportProfile
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Correction, StatusChange, Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember

# --- system API: OAuth 2.0 client credentials ------------------------------------------------


class ClientScope(models.TextChoices):
    READ = "read", _("read applications")
    READ_STATUS = "read_status", _("read applications and set their status")


class SystemClient(models.Model):
    """A back-office system (or an LGWAN-side node) registered by a city admin.

    It sees only applications of its departments, and of its forms when any are listed.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    # Public: sent as the OAuth client_id. Never reused.
    client_id = models.CharField(max_length=48, unique=True)
    departments = models.ManyToManyField(Department, related_name="+")
    # Empty: every form of its departments.
    forms = models.ManyToManyField(Form, blank=True, related_name="+")
    scope = models.CharField(_("scope"), max_length=12, choices=ClientScope.choices)
    created_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ClientSecret(models.Model):
    """One secret of a client. Rotation adds a second secret; the old one keeps working until
    ``expires_at`` (a grace period) or until it is revoked, so there is no downtime."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="secrets")
    # SHA-256 of the secret (256 random bits: a slow hash adds nothing). Shown once, never stored.
    secret_hash = models.CharField(max_length=64, unique=True)
    # The last characters, so an admin can tell secrets apart.
    hint = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"secret …{self.hint} of client {self.client_id}"


class AccessToken(models.Model):
    """A short-lived bearer token issued to a client (opaque; only its hash is kept)."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=12, choices=ClientScope.choices)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of client {self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Acknowledgement(models.Model):
    """A client confirmed it took an application, up to a feed entry."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    feed_entry = models.ForeignKey("FeedEntry", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "submission"], name="one_ack_per_client")
        ]

    def __str__(self) -> str:
        return f"client {self.client_id} took submission {self.submission_id}"


class StatusUpdate(models.Model):
    """A status set through the system API, by its idempotency key: a client that sends the
    same key again (a retry after a timeout) gets the first answer, not a second change."""

    client = models.ForeignKey(SystemClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    # SHA-256 of the status and message asked for: the same key with another request is refused.
    request_sha256 = models.CharField(max_length=64)
    # Set in the transaction that made the change (the row is written first, so a concurrent
    # retry with the same key waits for it on the unique constraint).
    change = models.OneToOneField(
        StatusChange, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # A return for correction (POST applications/{id}/returns): the correction it opened.
    correction = models.OneToOneField(
        Correction, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="one_update_per_key")]

    def __str__(self) -> str:
        return f"status update {self.key} of client {self.client_id}"


# --- the change feed (transactional outbox) ------------------------------------------------


class FeedKind(models.TextChoices):
    SUBMITTED = "submission.submitted", _("submitted")
    RESUBMITTED = "submission.resubmitted", _("resubmitted after correction")
    STATUS_CHANGED = "submission.status_changed", _("status changed")
    PAYMENT = "payment.changed", _("payment")
    MAIL_ARRIVED = "mail.arrived", _("mail arrived")
    COUNTER_CHECKED_IN = "counter.checked_in", _("counter check-in")


class FeedEntry(models.Model):
    """One event about an application, written in the transaction that made it.

    The system API's cursor is the id: a client reads entries with a larger id. Webhook
    deliveries are made from these rows. ids, codes and the status only: never answers.
    """

    id = models.BigAutoField(primary_key=True)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    # Null for an event with no application yet (a counter pre-registration checked in).
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=FeedKind.choices, db_index=True)
    at = models.DateTimeField()
    # The status after the event, or another public reference (a pre-registration's id).
    status = models.CharField(max_length=12, blank=True)
    reference = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["department", "id"], name="feed_department_cursor")]

    def __str__(self) -> str:
        return f"feed {self.pk}: {self.kind}"


class SubjectIndex(models.Model):
    """The ledger subject (a pseudonym) of each submission, so an event recorded about it
    (payments, mail-in) can be put in the feed: the pseudonym cannot be reversed."""

    subject = models.CharField(max_length=64, unique=True)
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="+")

    # --- signed webhooks (Standard Webhooks) ---------------------------------------------------

    def __str__(self) -> str:
        return f"subject of submission {self.submission_id}"


class WebhookEndpoint(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    # FeedKind values; empty: every kind.
    event_types = models.JSONField(default=list, blank=True)
    # The Standard Webhooks secret ("whsec_" + base64). The receiver needs it to verify.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret signs too (a second signature in webhook-signature)
    # until then, so the receiver can switch to the new one without losing a delivery.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    # The first failed attempt since its last success (or since it was re-enabled).
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"webhook {self.pk} of department {self.department_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SUCCEEDED = "succeeded", _("delivered")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("gave up")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    feed_entry = models.ForeignKey(FeedEntry, on_delete=models.CASCADE, related_name="+")
    # webhook-id: the same on every retry and replay, so receivers can deduplicate.
    message_id = models.CharField(max_length=48, db_index=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A worker sending it holds it until then (claimed by one conditional UPDATE, so two
    # workers never send it at once); a worker that died lets it go when this passes.
    locked_until = models.DateTimeField(null=True, blank=True)
    # Staff asked to send it again (same webhook-id) whatever its status.
    replay_requested = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"delivery {self.message_id} to endpoint {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # A replay asked for by staff, not a scheduled retry.
    replay = models.BooleanField(default=False)

    # --- end-to-end encryption to the department's key -----------------------------------------

    def __str__(self) -> str:
        return f"attempt of delivery {self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class KeyPurpose(models.TextChoices):
    DEPARTMENT = "department", _("department key")
    # The DX office's recovery key, held offline: every sealed application is also
    # encrypted to it, so losing a department's key or device loses nothing.
    ESCROW = "escrow", _("recovery key (escrow)")


class EncryptionKey(models.Model):
    """A public key applications are encrypted to. Private keys never reach this node."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    # Null for the city's escrow key.
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=12, choices=KeyPurpose.choices)
    # X25519 public key, 32 bytes, base64url without padding.
    public_key = models.CharField(max_length=64)
    # SHA-256 of the raw public key, hex: how a recipient entry names its key.
    fingerprint = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Not used for new applications after this; old ones stay readable with its private key.
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} key {self.fingerprint[:16]}"


class EncryptionPolicy(models.Model):
    """Encryption on for a whole city (form null) or for one form."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(
        Form, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "form"],
                name="one_policy_per_form",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"encryption {'on' if self.enabled else 'off'} for {self.form_id or 'the city'}"


class SealedContent(models.Model):
    """Ciphertext with its recipients: one content key, wrapped to each recipient's key."""

    suite = models.CharField(max_length=80)
    # [{"fingerprint": ..., "purpose": ..., "enc": base64url(HPKE-sealed content key)}]
    recipients = models.JSONField()
    ciphertext = models.BinaryField()
    plaintext_sha256 = models.CharField(max_length=64)
    # {str(attachment id): {"sha256": plaintext SHA-256, "size": plaintext size}}
    files = models.JSONField(default=dict, blank=True)
    sealed_at = models.DateTimeField()

    class Meta:
        abstract = True


class SealedSubmission(SealedContent):
    """What the internet node keeps of an encrypted application: ciphertext and recipients.

    The submission row keeps its receipt number, status, document hash and signature
    evidence; its answers, canonical document and applicant name are emptied in the same
    transaction, and its attachments' files are replaced by their ciphertext.
    """

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"sealed submission {self.submission_id}"


class SealedCorrection(SealedContent):
    """A sealed application's correction as the resident resent it: ciphertext only.

    The plaintext is ``{"answers": {reopened key: value}, "files": {attachment id: {"name",
    "content_type"}}}``, sealed to the department's keys and the escrow key of the time of
    the resend; the new files' stored bytes are replaced by their ciphertext (integrations.
    sealing.seal_correction).
    """

    correction = models.OneToOneField(Correction, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"sealed correction {self.correction_id}"


class PullSource(models.Model):
    """On the LGWAN node: an internet node it pulls from (through the relay), with its cursor."""

    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(max_length=300)
    client_id = models.CharField(max_length=48)
    cursor = models.BigIntegerField(default=0)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"pull source {self.name}"


class MirroredSubmission(models.Model):
    """On the LGWAN node: a local submission pulled from an internet node."""

    source = models.ForeignKey(PullSource, on_delete=models.PROTECT, related_name="+")
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="+")
    remote_public_id = models.UUIDField(unique=True)
    pulled_at = models.DateTimeField()
    # The feed entry it was last brought up to date from.
    remote_cursor = models.BigIntegerField(default=0)
    # The internet node's document SHA-256 last pulled: a correction applied here makes the
    # local document again, so the local hash no longer says whether the remote one changed.
    remote_document_sha256 = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"mirror of {self.remote_public_id}"


class MirroredCorrection(models.Model):
    """On the LGWAN node: a return for correction made here, taken by the internet node
    (its correction's id there), and whether the resident's resend has been applied here."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    # None for a return made on the internet node (by another back-office system): its resend
    # is applied to the application directly, there being no correction of this node's.
    correction = models.OneToOneField(
        Correction, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    remote_id = models.CharField(max_length=64, unique=True)
    returned_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"correction {self.correction_id} as {self.remote_id}"


class PendingPush(models.Model):
    """On the LGWAN node: a status change made here, waiting to be sent back by the pull."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    change = models.OneToOneField(StatusChange, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    # --- file drops for legacy intake ----------------------------------------------------------

    def __str__(self) -> str:
        return f"push of change {self.change_id} ({'sent' if self.pushed_at else 'waiting'})"


class DropFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class FileDrop(models.Model):
    """A scheduled drop of new applications of one form into a directory or bucket."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    profile = models.ForeignKey(
        ExportProfile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=8, choices=DropFormat.choices, default=DropFormat.CSV)
    # A local directory, or "s3://bucket/prefix" when the S3 extra is installed.
    target = models.CharField(_("target"), max_length=300)
    with_attachments = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    # The highest Submission id dropped so far (shown to staff). Which application went in
    # which batch, and after how many resubmissions, is FileDropItem: the feed is not needed
    # (and the LGWAN node's mirrored applications have no feed of their own).
    cursor = models.BigIntegerField(default=0, help_text="highest submission id dropped")
    created_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"file drop {self.public_id} of form {self.form_id}"


class FileDropRun(models.Model):
    drop = models.ForeignKey(FileDrop, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor_from = models.BigIntegerField()
    cursor_to = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    # The batch's directory name and its manifest's SHA-256.
    batch = models.CharField(max_length=100, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=200, blank=True)
    # Sealed applications (end-to-end encrypted) this node cannot read: left for the
    # LGWAN node, where they are local and clear.
    sealed_skipped = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # One run at a time per drop: overlapping timers cannot drop twice.
            models.UniqueConstraint(
                fields=["drop"],
                condition=models.Q(finished_at__isnull=True),
                name="filedrop_one_open_run",
            )
        ]

    def __str__(self) -> str:
        return f"run of drop {self.drop_id} at {self.started_at:%Y-%m-%d %H:%M}"


class FileDropItem(models.Model):
    """An application in a completed batch. ``generation`` counts its resubmissions after
    差し戻し: a resubmitted application is dropped again, never the same version twice."""

    drop = models.ForeignKey(FileDrop, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(FileDropRun, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["drop", "submission", "generation"], name="filedrop_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"submission {self.submission_id} in run {self.run_id}"
