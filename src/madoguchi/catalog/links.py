"""The city's public coverage page, as a link on its procedure list."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.core.municipality_links import MunicipalityLink
from madoguchi.tenants.models import Municipality

from . import publication
from .models import Procedure


def coverage_links(municipality: Municipality, language: str) -> list[MunicipalityLink]:
    """The public page, once the city has an inventory and its DX office published it."""
    if not publication.is_published(municipality) or not (
        Procedure.objects.filter(municipality=municipality).exists()
    ):
        return []
    return [
        MunicipalityLink(
            url=reverse("catalog_public:city", args=[municipality.lg_code]),
            label=_("Coverage rate and procedures"),
            hint=_("How many applications are made online, every procedure and open data"),
        )
    ]
