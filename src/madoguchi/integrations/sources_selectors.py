"""Reads for the pull sources page (/staff/integrations/sources/) of the LGWAN node."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from madoguchi.tenants.models import StaffMember

from . import push
from .models import MirroredSubmission, PendingPush, PullSource

GIVEN_UP_SHOWN = 50


@dataclass
class SourceState:
    """One internet node this node pulls from, as staff check it."""

    name: str
    base_url: str
    client_id: str
    source: PullSource | None
    mirrored: int = 0
    waiting: int = 0
    given_up: list[PendingPush] = field(default_factory=list)
    given_up_count: int = 0


def source_states(staff: StaffMember) -> list[SourceState]:
    """The configured sources (and rows of sources no longer configured), with their cursor,
    last pull and error, the changes waiting to be pushed and the pushes given up. The counts
    and lists are of the staff member's city only (a node may serve more than one)."""
    rows = {source.name: source for source in PullSource.objects.order_by("name")}
    configured = [
        (str(c.get("name", "")), str(c.get("base_url", "")), str(c.get("client_id", "")))
        for c in getattr(settings, "MADOGUCHI_PULL_SOURCES", [])
        if isinstance(c, dict)
    ]
    names = [name for name, _url, _client in configured]
    states = [
        SourceState(name=name, base_url=url, client_id=client, source=rows.get(name))
        for name, url, client in configured
    ] + [
        SourceState(name=s.name, base_url=s.base_url, client_id=s.client_id, source=s)
        for s in rows.values()
        if s.name not in names
    ]
    for state in states:
        if state.source is None:
            continue
        mirrors = MirroredSubmission.objects.filter(
            source=state.source, submission__municipality_id=staff.municipality_id
        )
        ids = mirrors.values("submission_id")
        state.mirrored = mirrors.count()
        state.waiting = push.waiting(ids).count()  # type: ignore[arg-type]
        refused = (
            PendingPush.objects.filter(
                submission_id__in=ids, pushed_at__isnull=True, last_error__startswith=push.REFUSED
            )
            .select_related("change", "submission")
            .order_by("-change__at", "-change_id")
        )
        state.given_up_count = refused.count()
        state.given_up = list(refused[:GIVEN_UP_SHOWN])
    return states
