from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.tenants.models import Municipality

from .models import Assurance, IdentityProvider


def providers_for(municipality: Municipality, *, mynumber_only: bool) -> QuerySet[IdentityProvider]:
    """Enabled providers a resident of this municipality may use, My Number Card first."""
    providers = IdentityProvider.objects.filter(municipality=municipality, enabled=True)
    if mynumber_only:
        providers = providers.filter(assurance=Assurance.MYNUMBER_CARD)
    return providers.order_by("assurance", "key")
