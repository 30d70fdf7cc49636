"""Preview, publishing and versions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from pydantic import ValidationError

from madoguchi.core.staff import staff_required

from ... import answers as form_answers
from ... import conditions, rendering
from ...schema import FileField, FormSchema
from .. import selectors, services
from ..diff import diff as plain_diff
from ..forms import RepublishForm
from .common import (
    base_context,
    current_language,
    draft_for,
    form_or_404,
    require_editable,
    staff_of,
)
from .structure import problem_rows

# --- preview, publish, versions -------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    draft = draft_for(request, form)
    language = current_language()
    width = "desktop" if request.GET.get("width") == "desktop" else "phone"
    try:
        schema = FormSchema.model_validate(draft.definition)
    except ValidationError:
        return render(
            request,
            "forms/builder/preview.html",
            base_context(
                request, form, problems=problem_rows(form, draft.definition, language), width=width
            ),
            status=422,
        )
    raw: dict[str, Any] = {}
    field_errors: dict[str, list[str]] = {}
    checked = request.method == "POST"
    if checked:
        raw = {
            f.key: form_answers.raw_from_post(f, request.POST)
            for f in schema.fields()
            if f.collects_input and not isinstance(f, FileField)
        }
        result = form_answers.clean_answers(
            schema, raw, fields=[f for f in schema.fields() if not isinstance(f, FileField)]
        )
        field_errors = result.errors
        answers = result.answers | {
            k: v for k, v in raw.items() if k not in result.answers and k not in field_errors
        }
    else:
        answers = {}
    sections = []
    for step in schema.steps:
        sections.append(
            {
                "title": step.title.get(language),
                "description": step.description.get(language) if step.description else "",
                "visible": not step.visible_if
                or (not checked)
                or conditions.step_applies(step, answers),
                "fields": rendering.step_views(
                    step, values=raw, errors=field_errors, answers=answers
                ),
            }
        )
    return render(
        request,
        "forms/builder/preview.html",
        base_context(
            request,
            form,
            schema_title=schema.title.get(language),
            sections=sections,
            width=width,
            checked=checked,
            error_count=len(field_errors),
            ok=checked and not field_errors,
        ),
        status=422 if field_errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    draft = draft_for(request, form)
    language = current_language()
    if request.method == "POST":
        require_editable(request, form)
        try:
            version = services.publish_draft(draft=draft, staff=staff_of(request))
        except services.DraftNotPublishable:
            pass  # shown below, item by item
        else:
            messages.success(
                request,
                _("Version %(number)s is published. Residents see it from now on.")
                % {"number": version.number},
            )
            return redirect("forms:edit", form_id=form.pk)
    problems = problem_rows(form, draft.definition, language)
    current = form.current_version
    changes = plain_diff(current.definition if current else {}, draft.definition, language)
    return render(
        request,
        "forms/builder/publish.html",
        base_context(
            request, form, problems=problems, changes=changes, current=current, draft=draft
        ),
        status=422 if problems and request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def versions(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    language = current_language()
    all_versions = list(selectors.versions_of(form))
    if request.method == "POST":
        require_editable(request, form)
        posted = RepublishForm(request.POST, numbers=[v.number for v in all_versions])
        if not posted.is_valid():
            raise Http404  # only a hand-made request names a version the page does not list
        chosen = next(v for v in all_versions if v.number == posted.cleaned_data["number"])
        new = services.republish(version=chosen, staff=staff_of(request))
        messages.success(
            request,
            _("Version %(old)s was published again as version %(new)s.")
            % {"old": chosen.number, "new": new.number},
        )
        return redirect("forms:versions", form_id=form.pk)
    by_number = {str(v.number): v for v in all_versions}
    older = by_number.get(request.GET.get("from", ""))
    newer = by_number.get(request.GET.get("to", ""))
    if newer is None and all_versions:
        newer = all_versions[0]
    if older is None and newer is not None:
        older = next((v for v in all_versions if v.number == newer.number - 1), None)
    changes = (
        plain_diff(older.definition if older else {}, newer.definition, language) if newer else []
    )
    return render(
        request,
        "forms/builder/versions.html",
        base_context(
            request,
            form,
            versions=all_versions,
            older=older,
            newer=newer,
            changes=changes,
            current_id=form.current_version_id,
        ),
    )
