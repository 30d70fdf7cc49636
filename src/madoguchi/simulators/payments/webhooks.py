"""Events and their signed delivery, as Stripe does it.

An event is stored once; each endpoint gets a ``Delivery``. The body is the event's JSON,
signed with ``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` under
the endpoint's secret (``stripe.Webhook.construct_event`` checks exactly this).

``MADOGUCHI_PAYSIM_DELIVERY``: ``"background"`` (development) sends from a thread shortly
after the transaction commits and retries non-2xx answers with backoff, like Stripe;
``"manual"`` (tests) queues them until ``deliver_pending()`` (the ``paysim`` fixture's
``deliver()``) sends them, so tests decide when webhooks arrive. Held deliveries (the late
webhook card) wait in both modes until delivery of held events is asked for.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .models import Delivery, DeliveryState, StoredObject
from .protocol import API_VERSION, account_by_id, dump, new_id

logger = logging.getLogger(__name__)

# Seconds before each background attempt (Stripe retries for days; a demo needs minutes).
BACKOFF = (0.5, 1, 2, 4, 8, 16, 32)


@dataclass(frozen=True)
class Sent:
    event_id: str
    type: str
    url: str
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def emit(
    account: str,
    type: str,
    obj: dict[str, Any],
    *,
    held: bool = False,
    previous_attributes: dict[str, Any] | None = None,
) -> StoredObject:
    created = int(time.time())
    data: dict[str, Any] = {"object": obj}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    event = StoredObject.objects.create(
        id=new_id("evt_"),
        account=account,
        kind="event",
        created=created,
        data={
            "id": "",
            "object": "event",
            "api_version": API_VERSION,
            "created": created,
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        },
    )
    endpoints = [""] if _account_endpoint(account) else []
    endpoints += [
        endpoint.id
        for endpoint in StoredObject.objects.filter(account=account, kind="webhook_endpoint")
        if endpoint.data.get("status") == "enabled"
        and ({"*", type} & set(endpoint.data.get("enabled_events", [])))
    ]
    event.data["id"] = event.id
    event.data["pending_webhooks"] = len(endpoints)
    event.save(update_fields=["data"])
    state = DeliveryState.HELD if held else DeliveryState.PENDING
    Delivery.objects.bulk_create(Delivery(event=event, endpoint=e, state=state) for e in endpoints)
    if endpoints and not held and _mode() == "background":
        transaction.on_commit(lambda: _start_background(event.id))
    return event


def _mode() -> str:
    return str(getattr(settings, "MADOGUCHI_PAYSIM_DELIVERY", "manual"))


def _account_endpoint(account: str) -> tuple[str, str] | None:
    found = account_by_id(account)
    if found is None or not found.webhook_url:
        return None
    return found.webhook_url, found.webhook_secret


def endpoint_of(delivery: Delivery) -> tuple[str, str] | None:
    """(url, secret), read when sending (tests point the account's URL at their server)."""
    if not delivery.endpoint:
        return _account_endpoint(delivery.event.account)
    registered = StoredObject.objects.filter(id=delivery.endpoint).first()
    if registered is None:
        return None
    return str(registered.data["url"]), str(registered.private["secret"])


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def post(url: str, payload: str, secret: str) -> tuple[int | None, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": signature_header(payload, secret),
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
    try:
        answer = requests.post(url, data=payload.encode(), headers=headers, timeout=10)
    except requests.RequestException as error:
        return None, type(error).__name__
    return answer.status_code, ""


def _attempt(delivery: Delivery) -> Sent:
    event = delivery.event
    target = endpoint_of(delivery)
    if target is None:
        status, error, url = None, "endpoint gone", ""
    else:
        url, secret = target
        status, error = post(url, dump(event.data), secret)
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error
    if status is not None and 200 <= status < 300:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = timezone.now()
    delivery.save()
    if delivery.state == DeliveryState.DELIVERED:
        _settle(event)
    return Sent(event.id, str(event.data["type"]), url, status, error)


def _settle(event: StoredObject) -> None:
    event.refresh_from_db()
    event.data["pending_webhooks"] = event.deliveries.exclude(state=DeliveryState.DELIVERED).count()
    event.save(update_fields=["data"])


def deliver_pending(*, held: bool = False) -> list[Sent]:
    """Send every queued delivery once, oldest event first; with ``held``, the held ones too."""
    states = [DeliveryState.PENDING, DeliveryState.HELD] if held else [DeliveryState.PENDING]
    queued = Delivery.objects.filter(state__in=states).select_related("event")
    return [_attempt(d) for d in queued.order_by("event__recorded_at", "id")]


def replay(event_id: str) -> list[Sent]:
    """Send an event again to each of its endpoints (Stripe's "Resend"), whatever its state."""
    return [_attempt(d) for d in Delivery.objects.filter(event_id=event_id).select_related("event")]


def send_forged(
    event_id: str,
    *,
    secret: str = "whsec_forged",  # noqa: S107 (a wrong one on purpose)
    body: str | None = None,
) -> list[Sent]:
    """Send an event (or ``body``) signed with a wrong secret, to each of its endpoints."""
    sent = []
    for delivery in Delivery.objects.filter(event_id=event_id).select_related("event"):
        target = endpoint_of(delivery)
        if target is not None:
            payload = dump(delivery.event.data) if body is None else body
            status, error = post(target[0], payload, secret)
            sent.append(Sent(event_id, str(delivery.event.data["type"]), target[0], status, error))
    return sent


def _start_background(event_id: str) -> None:
    threading.Thread(
        target=_deliver_in_background, args=(event_id,), name=f"paysim-{event_id}", daemon=True
    ).start()


def _deliver_in_background(event_id: str) -> None:
    try:
        for pause in BACKOFF:
            time.sleep(pause)
            close_old_connections()
            waiting = Delivery.objects.filter(
                event_id=event_id, state=DeliveryState.PENDING
            ).select_related("event")
            if not waiting:
                return
            for delivery in waiting:
                sent = _attempt(delivery)
                if not sent.ok:
                    logger.info("paysim webhook %s → %s: %s", event_id, sent.status, sent.error)
        Delivery.objects.filter(event_id=event_id, state=DeliveryState.PENDING).update(
            state=DeliveryState.FAILED
        )
    finally:
        _close()


def _close() -> None:
    """A background thread's connection is its own: close it when the thread ends."""
    connection.close()
