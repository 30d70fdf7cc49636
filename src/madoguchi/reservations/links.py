"""Booking a visit, as a link on the municipality's procedure list (when it has counters)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.core.municipality_links import MunicipalityLink
from madoguchi.tenants.models import Municipality

from . import selectors


def booking_links(municipality: Municipality, language: str) -> list[MunicipalityLink]:
    if not selectors.counters_of_municipality(municipality.lg_code).exists():
        return []
    return [
        MunicipalityLink(
            url=reverse("reservations:municipality", args=[municipality.lg_code]),
            label=_("Book a visit"),
            hint=_("Choose a time to come to a counter, so you do not have to wait"),
        )
    ]
