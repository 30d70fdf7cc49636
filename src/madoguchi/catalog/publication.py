"""The publication switch (公開の設定): whether a city's coverage page and open data are public.

The DX office (the city's administrators) sees the page and the files as they would be
published (a preview under /staff/catalog/publication/) and turns publication on or off. Off,
or never turned on, the public page and its four files answer 404 and the city's procedure
list does not link them. Each change is one transaction with a ``config.changed`` event.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.tenants.models import Municipality, StaffMember

from .coverage import is_dx_office
from .models import PublicationSwitch


def is_published(municipality: Municipality) -> bool:
    return PublicationSwitch.objects.filter(municipality=municipality, published=True).exists()


def switch_of(municipality: Municipality) -> PublicationSwitch | None:
    return (
        PublicationSwitch.objects.filter(municipality=municipality)
        .select_related("changed_by__user")
        .first()
    )


def set_published(
    municipality: Municipality, published: bool, *, by: StaffMember | None
) -> PublicationSwitch:
    """Turn publication on or off. ``by`` is the DX office's member (None: the demo loader)."""
    if by is not None and (not is_dx_office(by) or by.municipality_id != municipality.pk):
        raise PermissionError("only the city's DX office publishes its coverage page")
    with transaction.atomic():
        switch, _created = PublicationSwitch.objects.select_for_update().update_or_create(
            municipality=municipality,
            defaults={"published": published, "changed_by": by, "changed_at": timezone.now()},
        )
        events.record(
            events.Event.CONFIG_CHANGED,
            actor=events.pseudonym("staff", by.pk) if by is not None else "system",
            subject=f"catalog:{municipality.lg_code}:publication",
            detail={"published": "1" if published else "0"},
        )
    return switch
