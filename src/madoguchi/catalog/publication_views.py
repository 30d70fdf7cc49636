"""The DX office's publication switch (/staff/catalog/publication/): what the city would
publish (the public page and the four open-data files, as previews) and the switch itself.

Only the city's administrators (the DX office) see these pages; anyone else gets 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import StaffMember

from . import coverage, opendata, public_views, publication

FILES = ("procedures.csv", "procedures.json", "coverage.csv", "coverage.json")


class SwitchForm(forms.Form):
    published = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )


def _dx_office(request: HttpRequest) -> StaffMember:
    staff = staff_of(request)
    if not coverage.is_dx_office(staff):
        raise Http404
    return staff


@staff_required
@require_GET
def settings(request: HttpRequest) -> HttpResponse:
    staff = _dx_office(request)
    municipality = staff.municipality
    published = opendata.publication(municipality)
    return render(
        request,
        "catalog/publication.html",
        {
            "switch": publication.switch_of(municipality),
            "is_published": publication.is_published(municipality),
            "publication": published,
            "has_inventory": bool(published.procedures),
            "files": FILES,
        },
    )


@staff_required
@require_POST
def switch(request: HttpRequest) -> HttpResponseBase:
    staff = _dx_office(request)
    form = SwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose whether to publish or not."))
        return redirect("catalog:publication")
    published = form.cleaned_data["published"]
    publication.set_published(staff.municipality, published, by=staff)
    messages.success(
        request,
        gettext("The coverage page and the open data are now public.")
        if published
        else gettext("The coverage page and the open data are no longer public."),
    )
    return redirect("catalog:publication")


@staff_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """The public page as it would be published (never cached)."""
    staff = _dx_office(request)
    response = public_views.render_city(request, staff.municipality, preview=True)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def preview_file(request: HttpRequest, name: str) -> HttpResponse:
    staff = _dx_office(request)
    if name not in FILES:
        raise Http404
    response = public_views.open_data_file(request, staff.municipality, name)
    response["Cache-Control"] = "private, no-store"
    del response["Access-Control-Allow-Origin"]
    return response
