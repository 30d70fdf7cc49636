"""The municipality's published guides, as links on its procedure list."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.core.municipality_links import MunicipalityLink
from madoguchi.tenants.models import Municipality

from . import selectors


def guide_links(municipality: Municipality, language: str) -> list[MunicipalityLink]:
    return [
        MunicipalityLink(
            url=reverse("guide:guide", args=[municipality.lg_code, guide.slug]),
            label=guide.parsed.title.get(language),
            hint=_("Procedure guide: answer a few questions to see what to do and how"),
        )
        for guide in selectors.published_guides(municipality)
    ]
