"""Signed webhooks (Standard Webhooks): deliveries made from the change feed, sent after commit.

Each new :class:`FeedEntry` gets one :class:`WebhookDelivery` per enabled endpoint of its
department that takes its kind, in the same transaction (an outbox: nothing is sent for a
change that rolled back, nothing is lost for one that committed). After the commit a task
sends what is due; ``madoguchi deliver_webhooks`` does the same from a timer, for retries.

Sending: the body is the payload's JSON (ids, codes and the status; never answers or names),
signed with the ``standardwebhooks`` library (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``); connect 3 s, read 10 s; redirects are not followed; any 2xx is
success. The host is resolved and checked before each attempt and the connection goes to the
checked address (webhook_addresses: no internal address, no DNS rebinding). A failure is
retried on the Standard Webhooks schedule (immediately, 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 10 h: the setting
``MADOGUCHI_WEBHOOK_RETRY_SCHEDULE``); after the last one the delivery is ``dead``.

One sender at a time: a worker claims a delivery with one conditional UPDATE that sets
``locked_until`` (a lease longer than a request can take); on PostgreSQL the candidates are
read ``FOR UPDATE SKIP LOCKED`` first, so workers do not queue behind each other. A worker
that dies mid-send releases its deliveries when the lease passes (sent at least once; the
receiver deduplicates by ``webhook-id``, which a retry and a replay keep).

Disabling: when every attempt to an endpoint has failed for ``MADOGUCHI_WEBHOOK_DISABLE_AFTER``
(5 days, as Standard Webhooks suggests) it is disabled and the department's contact address
and the city's administrators get an email. Re-enabling resumes its waiting retries.

``now`` is the clock of scheduling only (tests pass a later one instead of sleeping); the
signature's timestamp is always the real time of sending, as receivers check it.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from standardwebhooks import Webhook

from madoguchi.forms import submission_facts
from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember, StaffRole

from . import webhook_addresses
from .models import (
    DeliveryStatus,
    FeedEntry,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger("madoguchi.integrations")

# Longer than a request can take (connect + read + the body), so a lease never ends mid-send.
LEASE = timedelta(seconds=60)
USER_AGENT = "Madoguchi-Webhooks/1"
DISABLED_FAILING = "failing"


def retry_schedule() -> tuple[int, ...]:
    """Seconds to wait before each attempt (settings.MADOGUCHI_WEBHOOK_RETRY_SCHEDULE)."""
    return tuple(settings.MADOGUCHI_WEBHOOK_RETRY_SCHEDULE)


def timeouts() -> tuple[float, float]:
    """(connect, read) in seconds; ``MADOGUCHI_WEBHOOK_TIMEOUTS`` (tests shorten them)."""
    connect_s, read_s = settings.MADOGUCHI_WEBHOOK_TIMEOUTS
    return float(connect_s), float(read_s)


def disable_after() -> timedelta:
    value = settings.MADOGUCHI_WEBHOOK_DISABLE_AFTER
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


# --- the payload and its signature -----------------------------------------------------------


def payload_for(entry: FeedEntry) -> dict[str, Any]:
    """What a receiver gets: the kind, when, and ids to pull the application by (no answers)."""
    submission = entry.submission
    return {
        "type": entry.kind,
        "timestamp": entry.at.isoformat(),
        "data": {
            "id": str(submission.public_id) if submission else None,
            "receipt_number": submission.receipt_number if submission else None,
            "status": entry.status or None,
            "department": entry.department.code,
            "form": submission.form_version.form.slug if submission else None,
            "cursor": entry.pk,
            "reference": entry.reference or None,
        },
    }


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(
    *, secrets: list[str], message_id: str, body: bytes, at: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` sent at ``at``: one signature per
    secret (the current one, and the previous one during a rotation), space-separated."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(message_id, at, body) for s in secrets),
    }


def signing_secrets(endpoint: WebhookEndpoint, *, at: datetime) -> list[str]:
    """The current secret, and the previous one while its rotation grace period lasts."""
    secrets = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and at < until:
        secrets.append(endpoint.previous_secret)
    return secrets


# --- queueing, from the feed ----------------------------------------------------------------


def takes(endpoint: WebhookEndpoint, kind: str) -> bool:
    return not endpoint.event_types or kind in endpoint.event_types


HAS_ENDPOINTS_FACT = "integrations_webhook_endpoints"


def _enabled_endpoints(department_id: Any) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(department_id=department_id, enabled=True)


def department_has_endpoints() -> Exists:
    """Whether a form's department has an enabled endpoint: a fact read on submission
    (forms.submission_facts), which spares most submissions the lookup below."""
    return Exists(_enabled_endpoints(OuterRef("department_id")))


def _may_have_endpoints(entry: FeedEntry) -> bool:
    """False when the facts read on submission found no endpoint for the entry's department."""
    if not FeedEntry.submission.is_cached(entry) or entry.submission is None:
        return True
    submission = entry.submission
    if not Submission.form_version.is_cached(submission):
        return True
    version = submission.form_version
    if not FormVersion.form.is_cached(version) or version.form.department_id != entry.department_id:
        return True
    return bool(submission_facts.fact(version, HAS_ENDPOINTS_FACT, lambda: True))


def queue(entry: FeedEntry) -> None:
    """Feed listener: a delivery per enabled endpoint of the entry's department that takes
    its kind, in the entry's transaction; sending is asked for once it commits."""
    if not _may_have_endpoints(entry):
        return
    endpoints = [
        endpoint
        for endpoint in _enabled_endpoints(entry.department_id)
        if takes(endpoint, entry.kind)
    ]
    if not endpoints:
        return
    payload = payload_for(entry)
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            feed_entry=entry,
            message_id=f"msg_{uuid.uuid4().hex}",
            payload=payload,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    transaction.on_commit(ask_to_send)


def ask_to_send() -> None:
    """Enqueue the sending task (after commit); a failure to enqueue waits for the timer."""
    from .tasks import deliver_due_task

    try:
        deliver_due_task.enqueue()
    except Exception:  # the timer (madoguchi deliver_webhooks) sends it anyway
        logger.exception("webhooks: could not enqueue the delivery task")


# --- claiming: one sender per delivery --------------------------------------------------------


def _claimable(now: datetime) -> Q:
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    due = Q(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now
    ) | Q(replay_requested=True)
    return free & due & Q(endpoint__enabled=True)


def _lease(pk: int, now: datetime) -> bool:
    """Take delivery ``pk`` for ``LEASE`` if it is still free and due (one UPDATE: of two
    workers racing for it, exactly one changes the row)."""
    taken = WebhookDelivery.objects.filter(_claimable(now), pk=pk).update(locked_until=now + LEASE)
    return taken == 1


def claim_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """The ids of up to ``limit`` due deliveries, now held by this worker."""
    now = now or timezone.now()
    candidates = (
        WebhookDelivery.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True, of=("self",))[:limit])
            return [pk for pk in ids if _lease(pk, now)]
    return [pk for pk in candidates[:limit] if _lease(pk, now)]


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class PinnedAdapter(HTTPAdapter):
    """Connects to one checked address whatever the URL's name resolves to now, while the
    TLS server name (SNI) and the certificate check keep the URL's host name."""

    def __init__(self, pinned: webhook_addresses.Pinned) -> None:
        self.pinned = pinned
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: Any, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        host_params["host"] = self.pinned.address
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.pinned.hostname
            pool_kwargs["assert_hostname"] = self.pinned.hostname
        return host_params, pool_kwargs


def _pinned_session(url: str) -> tuple[requests.Session, str]:
    """A session that sends to ``url``'s checked address (webhook_addresses), and the Host
    header to send; raises AddressRefused, or OSError when the name does not resolve."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    pinned = webhook_addresses.pinned_address(host, port)
    session = requests.Session()
    # No HTTP(S)_PROXY from the environment: a proxy would resolve the name again. A city's
    # own CA bundle for its receivers is still read from REQUESTS_CA_BUNDLE.
    session.trust_env = False
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or True
    session.mount(f"{parts.scheme}://", PinnedAdapter(pinned))
    return session, parts.netloc.rpartition("@")[2]


def post(*, url: str, secrets: list[str], message_id: str, payload: dict[str, Any]) -> Outcome:
    """One signed POST (no redirects followed, connect 3 s, read 10 s); never raises.

    The host is resolved and checked first: an internal address (webhook_addresses) is not
    connected to, and the connection goes to the address checked (no DNS rebinding)."""
    body = body_of(payload)
    headers = signed_headers(secrets=secrets, message_id=message_id, body=body, at=timezone.now())
    headers |= {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    started = time.monotonic()
    try:
        session, host_header = _pinned_session(url)
    except webhook_addresses.AddressRefused as refused:
        return Outcome(None, f"address not allowed: {refused}"[:200], _elapsed(started))
    except (OSError, UnicodeError, ValueError):
        return Outcome(None, "host name not resolved", _elapsed(started))
    try:
        with session:
            response = session.post(
                url,
                data=body,
                headers=headers | {"Host": host_header},
                timeout=timeouts(),
                allow_redirects=False,
            )
            response.close()
    except requests.Timeout:
        return Outcome(None, "timeout", _elapsed(started))
    except requests.ConnectionError as failure:
        logger.info("webhooks: connection failed: %s", failure)
        return Outcome(None, "connection failed", _elapsed(started))
    except requests.RequestException as failure:
        return Outcome(None, type(failure).__name__[:200], _elapsed(started))
    code = response.status_code
    problem = "" if 200 <= code < 300 else f"HTTP {code}"
    if 300 <= code < 400:
        problem = f"HTTP {code} (redirects are not followed)"
    return Outcome(code, problem, _elapsed(started))


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def send(pk: int, *, now: datetime | None = None) -> WebhookAttempt | None:
    """Send a delivery this worker claimed, log the attempt and schedule what comes next."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    endpoint = delivery.endpoint
    replay = delivery.replay_requested
    if not endpoint.enabled:  # disabled since it was claimed (by an earlier failure)
        WebhookDelivery.objects.filter(pk=pk).update(locked_until=None)
        return None
    outcome = post(
        url=endpoint.url,
        secrets=signing_secrets(endpoint, at=timezone.now()),
        message_id=delivery.message_id,
        payload=delivery.payload,
    )
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=pk)
        attempt = WebhookAttempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            replay=replay,
        )
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        delivery.locked_until = None
        delivery.replay_requested = False
        if outcome.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.next_attempt_at = None
        elif not replay or delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            # A replay that fails leaves a delivered or dead delivery as it was; a waiting
            # one goes on with its schedule.
            if not replay:
                delivery.attempts += 1
            schedule = retry_schedule()
            if delivery.attempts < len(schedule):
                delivery.status = DeliveryStatus.FAILED
                if not replay:
                    delivery.next_attempt_at = now + timedelta(seconds=schedule[delivery.attempts])
            else:
                delivery.status = DeliveryStatus.DEAD
                delivery.next_attempt_at = None
        delivery.save()
        _note_outcome(delivery.endpoint_id, ok=outcome.ok, now=now)
    logger.info(
        "webhook delivery %s to endpoint %s: %s",
        delivery.message_id,
        delivery.endpoint_id,
        outcome.status_code or outcome.error,
    )
    return attempt


def deliver_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Claim and send every due delivery (up to ``limit``); the number of attempts made."""
    now = now or timezone.now()
    return sum(send(pk, now=now) is not None for pk in claim_due(now=now, limit=limit))


# --- disabling an endpoint that keeps failing -------------------------------------------------


def _note_outcome(endpoint_id: int, *, ok: bool, now: datetime) -> None:
    """Keep the endpoint's ``failing_since``; disable it once that is old enough."""
    if ok:  # no row lock when it was not failing: workers on one endpoint do not queue
        WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).update(
            failing_since=None
        )
        return
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
        return
    since = endpoint.failing_since
    if not endpoint.enabled or now - since < disable_after():
        return
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = DISABLED_FAILING
    endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
    logger.warning("webhook endpoint %s disabled: failing since %s", endpoint_id, since)
    transaction.on_commit(lambda: notify_disabled(endpoint_id, since=since))


def notice_recipients(endpoint: WebhookEndpoint) -> list[str]:
    """The department's contact address and the city's administrators' addresses."""
    admins = StaffMember.objects.filter(
        municipality_id=endpoint.municipality_id, role=StaffRole.MUNICIPALITY_ADMIN
    ).values_list("user__email", flat=True)
    found = [endpoint.department.email, *admins]
    return sorted({address for address in found if address})


def notify_disabled(endpoint_id: int, *, since: datetime) -> None:
    """The email that an endpoint was disabled: which, since when, and what to do."""
    endpoint = WebhookEndpoint.objects.select_related("department", "municipality").get(
        pk=endpoint_id
    )
    recipients = notice_recipients(endpoint)
    if not recipients:
        return
    with translation.override("ja"):
        subject = _("[%(municipality)s] A webhook was disabled: %(department)s") % {
            "municipality": endpoint.municipality.name,
            "department": endpoint.department.name,
        }
        body = _(
            "Every delivery to this webhook has failed since %(since)s, so Madoguchi stopped "
            "sending to it.\n\nDepartment: %(department)s\nURL: %(url)s\n\n"
            "Check that the receiving system answers with a 2xx status, then re-enable the "
            "webhook and replay the deliveries it missed:\n%(page)s\n"
        ) % {
            "since": timezone.localtime(since).strftime("%Y-%m-%d %H:%M"),
            "department": endpoint.department.name,
            "url": endpoint.url,
            "page": settings.MADOGUCHI_SITE_URL
            + reverse("integrations:webhook", args=[endpoint.pk]),
        }
    try:
        send_mail(subject, body, None, recipients)
    except OSError:
        logger.exception("webhooks: the notice of endpoint %s could not be sent", endpoint_id)


def connect() -> None:
    from . import feed

    feed.add_listener("webhooks", queue)
    submission_facts.register(HAS_ENDPOINTS_FACT, department_has_endpoints)
