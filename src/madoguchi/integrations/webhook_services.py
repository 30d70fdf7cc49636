"""Writes of signed webhooks: endpoints (add, change, rotate the secret, disable, re-enable)
and replays of a delivery.

Who may do what (chosen for issue 20): a webhook sends the city's events to another system,
so adding or changing one, and seeing its secret, is for the city's administrators, as
registering a back-office system is; a department's own staff (not read-only) see their
departments' webhooks and delivery log and may replay a delivery, which sends nothing new.

Every change is a ``CONFIG_CHANGED`` ledger event with ids and codes (never the URL's query
or the secret). The secret is made here, in the Standard Webhooks form ``whsec_`` + base64 of
32 random bytes; rotating it keeps the old one signing beside the new one for a day, so the
receiver switches without losing a delivery.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.tenants.models import Department, StaffMember

from . import webhook_addresses, webhooks
from .models import FeedKind, WebhookDelivery, WebhookEndpoint
from .webhook_selectors import may_manage, may_replay

# How long the previous secret keeps signing after a rotation.
ROTATION_GRACE = timedelta(hours=24)
LOOPBACK_NAMES = frozenset({"localhost"})


class WebhookRefused(Exception):
    """A change of a webhook that cannot be made; the message says what to do."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_url(url: str) -> str:
    """The URL as it will be called, or WebhookRefused: https only (http to this machine
    only where ``MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK`` is on: development and tests)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookRefused(
            _("Enter the full address of the receiving system, starting with https://."),
            field="url",
        )
    if parts.username or parts.password:
        raise WebhookRefused(
            _("Leave the user name and password out of the address: requests are signed."),
            field="url",
        )
    if parts.fragment:
        raise WebhookRefused(_("Leave the part after # out of the address."), field="url")
    if parts.scheme == "http" and not (
        getattr(settings, "MADOGUCHI_WEBHOOK_ALLOW_HTTP_LOOPBACK", False)
        and _is_loopback(parts.hostname)
    ):
        raise WebhookRefused(
            _("Use an https:// address: events are sent only over an encrypted connection."),
            field="url",
        )
    _check_address(parts.hostname, _port(parts))
    return url


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise WebhookRefused(
            _("The port after the host name must be a number from 1 to 65535."), field="url"
        )
    return port or (443 if parts.scheme == "https" else 80)


def _check_address(host: str, port: int) -> None:
    """Refuse a host that is or resolves to an internal address (webhook_addresses). A name
    that does not resolve yet is accepted: each delivery resolves and checks it again."""
    try:
        webhook_addresses.checked_addresses(host, port)
    except webhook_addresses.AddressRefused as refused:
        raise WebhookRefused(
            _(
                "This address leads to %(why)s (%(address)s), where Madoguchi does not send "
                "webhooks. Enter the receiving system's address that is reachable from the "
                "internet, or ask the server's operator to allow its network in "
                "MADOGUCHI_WEBHOOK_ALLOWED_NETWORKS."
            )
            % {"address": refused.address, "why": refused.why},
            field="url",
        ) from refused
    except (OSError, UnicodeError):
        return


def checked_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    unknown = [kind for kind in chosen if kind not in FeedKind.values]
    if unknown:
        raise WebhookRefused(_("Choose events from the list."), field="event_types")
    # Every kind chosen is the same as none: store it as "all", so new kinds are sent too.
    return [] if set(chosen) == set(FeedKind.values) else chosen


def _require_manager(staff: StaffMember) -> None:
    if not may_manage(staff):
        raise WebhookRefused(_("Only the city's administrators add or change webhooks."))


def _record(staff: StaffMember, endpoint: WebhookEndpoint, change: str) -> None:
    events.record(
        events.Event.CONFIG_CHANGED,
        actor=events.pseudonym("staff", staff.pk),
        subject=f"webhook:{endpoint.pk}",
        detail={
            "change": change,
            "department": endpoint.department.code,
            "host": urlsplit(endpoint.url).hostname or "",
            "events": ",".join(endpoint.event_types) or "all",
        },
    )


def create_endpoint(
    *,
    staff: StaffMember,
    department: Department,
    url: str,
    event_types: Iterable[str],
    description: str = "",
) -> WebhookEndpoint:
    """Add a webhook of ``department`` with a new secret (shown to the administrator)."""
    _require_manager(staff)
    if department.municipality_id != staff.municipality_id:
        raise WebhookRefused(_("Choose a department of your city."), field="department")
    checked = checked_url(url)
    kinds = checked_event_types(event_types)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            municipality_id=staff.municipality_id,
            department=department,
            url=checked,
            event_types=kinds,
            secret=new_secret(),
            description=description.strip(),
            created_by=staff,
        )
        _record(staff, endpoint, "webhook.created")
    return endpoint


def update_endpoint(
    *,
    staff: StaffMember,
    endpoint: WebhookEndpoint,
    url: str,
    event_types: Iterable[str],
    description: str = "",
) -> WebhookEndpoint:
    """Change where a webhook goes and what it takes (its secret stays)."""
    _require_manager(staff)
    checked = checked_url(url)
    kinds = checked_event_types(event_types)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.url = checked
        endpoint.event_types = kinds
        endpoint.description = description.strip()
        endpoint.save(update_fields=["url", "event_types", "description"])
        _record(staff, endpoint, "webhook.changed")
    return endpoint


def rotate_secret(*, staff: StaffMember, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one signs beside it for :data:`ROTATION_GRACE`."""
    _require_manager(staff)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_until = timezone.now() + ROTATION_GRACE
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
        _record(staff, endpoint, "webhook.secret_rotated")
    return endpoint


def disable(*, staff: StaffMember, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending: no new deliveries are made, waiting ones wait until it is re-enabled."""
    _require_manager(staff)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if endpoint.enabled:
            endpoint.enabled = False
            endpoint.disabled_at = timezone.now()
            endpoint.disabled_reason = "staff"
            endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason"])
            _record(staff, endpoint, "webhook.disabled")
    return endpoint


def enable(*, staff: StaffMember, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send again: waiting retries are due at once; dead deliveries can be replayed."""
    _require_manager(staff)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not endpoint.enabled:
            endpoint.enabled = True
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
            endpoint.failing_since = None  # five more days before it is disabled again
            endpoint.save(
                update_fields=["enabled", "disabled_at", "disabled_reason", "failing_since"]
            )
            _record(staff, endpoint, "webhook.enabled")
            transaction.on_commit(webhooks.ask_to_send)
    return endpoint


def replay(*, staff: StaffMember, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again with the same webhook-id and body, whatever its status."""
    endpoint = delivery.endpoint
    if not may_replay(staff, endpoint):
        raise WebhookRefused(_("Your role cannot replay deliveries of this webhook."))
    if not endpoint.enabled:
        raise WebhookRefused(_("Re-enable the webhook first: a disabled webhook sends nothing."))
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(replay_requested=True)
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=events.pseudonym("staff", staff.pk),
            subject=f"webhook:{endpoint.pk}",
            detail={"change": "webhook.replay", "message": delivery.message_id},
        )
        transaction.on_commit(webhooks.ask_to_send)
    delivery.refresh_from_db()
    return delivery
