"""Reads: the published guide, and where each of a procedure's channel buttons leads."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum
from django.urls import reverse

from madoguchi.forms import selectors as form_selectors
from madoguchi.forms.models import Form
from madoguchi.tenants.models import Municipality

from .models import Guide, GuideCount
from .schema import Procedure


def published_guide(*, lg_code: str, slug: str) -> Guide:
    """The guide as residents see it; raises Guide.DoesNotExist when unpublished."""
    return Guide.objects.select_related("municipality").get(
        municipality__lg_code=lg_code, slug=slug, published=True
    )


def published_guides(municipality: Municipality) -> QuerySet[Guide]:
    return Guide.objects.filter(municipality=municipality, published=True).order_by("slug")


def guides_of(municipality: Municipality) -> QuerySet[Guide]:
    return Guide.objects.filter(municipality=municipality).order_by("slug")


def form_channels(*, lg_code: str, slug: str) -> list[str]:
    """The channels a Madoguchi form offers; none when it is not published."""
    try:
        form = form_selectors.published_form(lg_code=lg_code, slug=slug)
    except Form.DoesNotExist:
        return []
    assert form.current_version is not None
    return [str(c) for c in form.current_version.schema.channels]


@dataclass(frozen=True)
class Link:
    event: str  # a GuideCount.Event value: online, mail, counter or external
    target: str  # where the button finally leads


def links(guide: Guide, procedure: Procedure) -> list[Link]:
    """The buttons of one procedure, built only from the guide definition and the form."""
    lg_code = guide.municipality.lg_code
    if procedure.external:
        assert procedure.url is not None
        return [Link(event=GuideCount.Event.EXTERNAL, target=procedure.url)]
    assert procedure.form is not None
    start = reverse("submissions:form_start", args=[lg_code, procedure.form])
    return [
        # ?from=guide: the draft remembers it came from a guide (catalog's analytics).
        Link(event=channel, target=f"{start}?channel={channel}&from=guide")
        for channel in form_channels(lg_code=lg_code, slug=procedure.form)
    ]


def link(guide: Guide, procedure_key: str, event: str) -> Link | None:
    """The one button a /guide/go/ request names, or None when the guide offers no such."""
    try:
        procedure = guide.parsed.procedure(procedure_key)
    except KeyError:
        return None
    return next((item for item in links(guide, procedure) if item.event == event), None)


def totals(guide: Guide) -> dict[tuple[str, str], int]:
    """Counts per (procedure, event) over all days (for the staff page)."""
    rows = (
        GuideCount.objects.filter(guide=guide)
        .values_list("procedure", "event")
        .annotate(total=Sum("count"))
        .order_by("procedure", "event")
    )
    return {(procedure, event): int(total) for procedure, event, total in rows}


def times_form_listed(form: Form) -> int:
    """How many results of the city's guides listed a procedure leading to ``form`` (the
    "shown" counts), for the improvement analytics (forms.guide_counts)."""
    keys_by_guide = {
        guide.pk: [p.key for p in guide.parsed.procedures if p.form == form.slug]
        for guide in Guide.objects.filter(municipality_id=form.municipality_id)
    }
    total = 0
    for guide_id, keys in keys_by_guide.items():
        if keys:
            total += (
                GuideCount.objects.filter(
                    guide_id=guide_id, procedure__in=keys, event=GuideCount.Event.SHOWN
                ).aggregate(n=Sum("count"))["n"]
                or 0
            )
    return total
