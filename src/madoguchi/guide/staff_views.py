"""Staff pages: the municipality's guides, editing a definition as YAML (errors listed one
per line, the text kept), a preview with chosen answers, and publishing."""

from __future__ import annotations

import re

import yaml
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import StaffMember, StaffRole

from . import selectors, services
from .models import Guide
from .views import render_guide

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def _may_edit(staff: StaffMember) -> bool:
    # A guide spans departments (転入 touches 市民課, 保険年金課, 子育て支援課): administrators.
    return staff.role == StaffRole.MUNICIPALITY_ADMIN


def _guide_of(staff: StaffMember, slug: str) -> Guide:
    try:
        return selectors.guides_of(staff.municipality).get(slug=slug)
    except Guide.DoesNotExist as error:
        raise Http404 from error


@staff_required
@require_GET
def guide_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    guides = [
        {
            "guide": g,
            "title": g.parsed.title.get(request.LANGUAGE_CODE),
            "totals": selectors.totals(g),
        }
        for g in selectors.guides_of(staff.municipality)
    ]
    return render(
        request,
        "guide/staff_list.html",
        {"staff": staff, "guides": guides, "may_edit": _may_edit(staff)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def guide_edit(request: HttpRequest, slug: str = "") -> HttpResponse:
    staff = staff_of(request)
    if not _may_edit(staff):
        raise Http404
    existing = _guide_of(staff, slug) if slug else None
    text = (
        yaml.safe_dump(existing.definition, allow_unicode=True, sort_keys=False)
        if existing is not None
        else ""
    )
    errors: list[str] = []
    new_slug = slug
    if request.method == "POST":
        text = request.POST.get("definition", "")
        if existing is None:
            new_slug = request.POST.get("slug", "").strip()
            if not SLUG.fullmatch(new_slug):
                errors.append(_("slug: use lower-case letters, digits and hyphens, e.g. hikkoshi"))
            elif selectors.guides_of(staff.municipality).filter(slug=new_slug).exists():
                errors.append(_("slug: a guide with this slug already exists"))
        try:
            definition = services.parse_yaml(text)
        except services.InvalidGuide as invalid:
            errors.extend(invalid.translated())
        if not errors:
            services.save_guide(
                municipality=staff.municipality,
                slug=new_slug,
                definition=definition,
                publish="publish" in request.POST,
            )
            return redirect("guide_staff:edit", slug=new_slug)
    return render(
        request,
        "guide/staff_edit.html",
        {"staff": staff, "guide": existing, "slug": new_slug, "text": text, "errors": errors},
        status=400 if errors else 200,
    )


@staff_required
@require_GET
def guide_preview(request: HttpRequest, slug: str) -> HttpResponse:
    return render_guide(request, _guide_of(staff_of(request), slug), preview=True)
