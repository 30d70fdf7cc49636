from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, Municipality, StaffMember

from .states import LIVE, MONEY, PaymentStatus

# A submission's live payment: the one asked for, or the one paid. A payment paid after it
# was cancelled or expired is not one (it is refunded; the application may have another).
LIVE_CONDITION = Q(status__in=sorted(LIVE), cancelled_at__isnull=True, expired_at__isnull=True)


class Purpose(models.TextChoices):
    # The form's fee, asked when the application is submitted (accepted once paid).
    ON_SUBMISSION = "on_submission", _("Fee at application")
    # 事後決済: the amount staff set when they approved the application.
    AFTER_REVIEW = "after_review", _("Fee after review")


class Payment(models.Model):
    """One request for money for one submission, paid through one provider's hosted page.

    Invariants: ``amount`` and ``lines`` never change after creation (a new amount is a new
    payment; the old one is cancelled); ``status`` moves only as ``states.TRANSITIONS``
    allows; at most one payment per submission is live (pending, paid or refunding); no
    card data is ever stored, only the provider's references. ``receipt_serial`` (領収書
    番号) is set once, when it is paid.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="payments")
    # Denormalised from the submission for the treasury's export (消込) by day and procedure.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    # The quote's lines (forms.fees.QuoteLine.as_json), as the resident saw them.
    lines = models.JSONField(default=list)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="jpy")
    tax = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # The payment provider (payments.registry name) and the account it was made on.
    provider = models.CharField(max_length=30)
    account = models.CharField(max_length=60, blank=True, default="")
    # The provider's hosted checkout: its id, where to send the resident, and until when.
    checkout_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    checkout_url = models.URLField(max_length=2000, blank=True, default="")
    checkout_expires_at = models.DateTimeField(null=True, blank=True)
    # The provider's reference of the money movement (e.g. a PaymentIntent id), and the
    # method the resident chose (card, konbini, paypay).
    provider_reference = models.CharField(max_length=255, blank=True, default="", db_index=True)
    method = models.CharField(max_length=20, blank=True, default="")
    # What the provider kept and what the city receives (from its balance transaction).
    provider_fee = models.PositiveIntegerField(null=True, blank=True)
    net = models.IntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # 領収書番号: R-<lg code>-<year>-<sequence>, gap-free per municipality and year.
    receipt_serial = models.CharField(max_length=24, null=True, blank=True, unique=True)
    refund_reference = models.CharField(max_length=255, blank=True, default="")
    refund_requested_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True, db_index=True)
    refunded_by = models.ForeignKey(
        StaffMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    refund_reason = models.CharField(max_length=500, blank=True, default="")
    # When the provider was last asked about a pending payment (reconciliation by polling).
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission"],
                condition=LIVE_CONDITION,
                name="one_live_payment_per_submission",
            )
        ]
        indexes = [
            models.Index(fields=["municipality", "paid_at"], name="payments_by_paid_day"),
            models.Index(fields=["status", "created_at"], name="payments_by_status"),
        ]

    def __str__(self) -> str:
        return f"payment {self.public_id} ({self.status})"

    @property
    def paid_late(self) -> bool:
        """Paid at the provider after Madoguchi had cancelled it or seen it expire (to be
        refunded; states.py says why it is recorded as paid)."""
        late = self.cancelled_at is not None or self.expired_at is not None
        return late and self.status in MONEY


class ReceiptCounter(models.Model):
    """The next 領収書 number per municipality and year (gap-free, row-locked)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="one_receipt_counter")
        ]

    def __str__(self) -> str:
        return f"receipt counter {self.municipality_id}/{self.year}: {self.last}"


class WebhookEvent(models.Model):
    """A provider's notification, kept by its event id so a replay is seen as one.

    Only ids, the type and what was done with it: never the payload (it may carry the
    payer's name or card brand and last digits).
    """

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored (no change)")
        UNKNOWN_PAYMENT = "unknown_payment", _("No such payment")
        MISMATCH = "mismatch", _("Did not match the payment")

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="webhook_events"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="one_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider} event {self.event_id} ({self.outcome})"
