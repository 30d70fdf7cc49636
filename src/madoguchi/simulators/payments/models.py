"""The simulator's state: Stripe objects as JSON, idempotency records and webhook deliveries.

Every API object (checkout session, payment intent, charge, refund, balance transaction,
event, webhook endpoint) is one row holding exactly what the API returns unexpanded, so
responses, webhooks and expansion all read the same JSON; ``private`` holds what Stripe
keeps to itself (line items, the test card's behaviour, the last error on the page).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class StoredObject(models.Model):
    id = models.CharField(primary_key=True, max_length=255)
    # acct_… of the secret key that created it (objects never cross accounts).
    account = models.CharField(max_length=64)
    # Stripe's "object" value: checkout.session, payment_intent, charge, …
    kind = models.CharField(max_length=40)
    created = models.BigIntegerField()
    data = models.JSONField()
    private = models.JSONField(default=dict)
    # Orders objects made in the same second (``created`` has Stripe's one-second grain).
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["account", "kind", "created"])]

    def __str__(self) -> str:
        return self.id


class IdempotentRequest(models.Model):
    """A POST's Idempotency-Key, the request it was first used with, and the answer."""

    account = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="paysim_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class DeliveryState(models.TextChoices):
    PENDING = "pending"
    # A "late webhook" (test card 4000 0000 0000 0077): sent only when asked for.
    HELD = "held"
    DELIVERED = "delivered"
    # Retries exhausted (background delivery only).
    FAILED = "failed"


class Delivery(models.Model):
    """One event to one endpoint: the account's configured one or a registered webhook_endpoint."""

    event = models.ForeignKey(StoredObject, on_delete=models.CASCADE, related_name="deliveries")
    # "" for the account's endpoint in MADOGUCHI_PAYSIM_ACCOUNTS, else a we_… id.
    endpoint = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint or 'account'}"
