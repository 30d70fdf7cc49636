"""Lists, creation, the template library and form files."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.forms import field_errors, summary_of
from madoguchi.core.staff import staff_required

from .. import edits, selectors, services
from ..forms import CopyTemplateForm, ImportForm, NewFormForm
from .common import (
    base_context,
    current_language,
    departments_for,
    form_or_404,
    staff_of,
)

# --- lists, creation, templates, files ------------------------------------------------------


@staff_required
def form_list(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    language = current_language()
    rows = []
    for form in selectors.forms_for(staff):
        draft = getattr(form, "draft", None) if hasattr(form, "draft") else None
        definition = (
            draft.definition
            if draft
            else (form.current_version.definition if form.current_version else {})
        )
        rows.append(
            {
                "form": form,
                "title": edits.text(definition.get("title"), language) or form.slug,
                "department": form.department.localized_name(language),
                "version": form.current_version.number if form.current_version else None,
                "changed": draft is not None and draft.has_changes,
            }
        )
    return render(
        request,
        "forms/builder/list.html",
        base_context(request, rows=rows, can_create=bool(departments_for(staff))),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def form_new(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    posted = NewFormForm(
        request.POST if request.method == "POST" else None,
        departments=selectors.editable_departments(staff),
    )
    entered = posted.entered()
    errors: dict[str, str] = {}
    suggestion = ""
    if request.method == "POST":
        # Every problem at once, each next to its input (not the first one only).
        posted.is_valid()
        errors = field_errors(posted)
        department = posted.cleaned_data.get("department")
        municipality_id = department.municipality_id if department else staff.municipality_id
        slug_problem = services.slug_problem(municipality_id, entered["slug"])
        if slug_problem:
            suggestion = services.suggest_slug(
                municipality_id,
                title_ja=entered["title_ja"],
                title_en=entered["title_en"],
                typed=entered["slug"],
            )
            errors["slug"] = _("%(problem)s Suggested: %(suggestion)s") % {
                "problem": _(slug_problem),
                "suggestion": suggestion,
            }
            if not entered["slug"]:
                # Nothing typed yet: the suggestion fills the box; the author can change it.
                entered["slug"] = suggestion
        if not errors and department is not None:
            try:
                form = services.create_form(
                    staff=staff,
                    department=department,
                    slug=entered["slug"],
                    title_ja=entered["title_ja"],
                    title_en=entered["title_en"],
                )
            except services.BuilderRefused as refused:
                errors["slug"] = _(str(refused))
            else:
                messages.success(request, _("The form was created. Add the questions now."))
                return redirect("forms:edit", form_id=form.pk)
    return render(
        request,
        "forms/builder/new.html",
        base_context(
            request,
            entered=entered,
            errors=summary_of(posted, errors),
            field_errors=errors,
            suggestion=suggestion,
            departments=departments_for(staff),
        ),
        status=422 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def template_library(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    language = current_language()
    problem = ""
    posted = CopyTemplateForm(
        request.POST if request.method == "POST" else None,
        templates=selectors.templates(),
        departments=selectors.editable_departments(staff),
    )
    entered = posted.entered()
    chosen = entered["template"]
    if posted.is_valid():
        template = posted.cleaned_data["template"]
        department = posted.cleaned_data["department"]
        try:
            form = services.copy_template(
                template=template, staff=staff, department=department, slug=entered["slug"]
            )
        except services.BuilderRefused as refused:
            problem = _(str(refused))
        else:
            messages.success(request, _("The template was copied. Adapt it, then publish."))
            return redirect("forms:edit", form_id=form.pk)
    # A refusal of the service is about the URL name of the copy.
    shown = field_errors(posted) | ({"slug": problem} if problem else {})
    rows = [
        {
            "form": t,
            "title": t.current_version.schema.title.get(language) if t.current_version else t.slug,
            "municipality": t.municipality.localized_name(language),
            "department": t.department.localized_name(language),
        }
        for t in selectors.templates()
    ]
    return render(
        request,
        "forms/builder/templates.html",
        base_context(
            request,
            rows=rows,
            departments=departments_for(staff),
            errors=summary_of(posted, shown),
            field_errors=shown,
            chosen=chosen,
            entered=entered,
        ),
        status=422 if shown else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def import_form(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    problem = ""
    posted = ImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        departments=selectors.editable_departments(staff),
    )
    entered = posted.entered()
    if posted.is_valid():
        upload = posted.cleaned_data["file"]
        department = posted.cleaned_data["department"]
        try:
            form = services.import_file(
                staff=staff, department=department, content=upload.read(), slug=entered["slug"]
            )
        except services.BuilderRefused as refused:
            problem = _(str(refused))
        else:
            messages.success(
                request, _("The form was imported as a draft. Check it, then publish.")
            )
            return redirect("forms:edit", form_id=form.pk)
    # A refusal of the service is about the file (its definition).
    shown = field_errors(posted) | ({"file": problem} if problem else {})
    return render(
        request,
        "forms/builder/import.html",
        base_context(
            request,
            errors=summary_of(posted, shown),
            field_errors=shown,
            entered=entered,
            departments=departments_for(staff),
        ),
        status=422 if shown else 200,
    )


@staff_required
def export_form(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    try:
        data = services.export_file(form, draft=request.GET.get("draft") == "1")
    except services.BuilderRefused as refused:
        raise Http404(str(refused)) from refused
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{form.municipality.lg_code}-{form.slug}.json"'
    )
    return response
