"""The question and page editors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.forms import field_errors, summary
from madoguchi.core.staff import staff_required

from ...models import Form, FormDraft
from .. import edits, fields, services
from ..forms import StepForm
from .common import (
    base_context,
    current_language,
    draft_for,
    form_or_404,
    require_editable,
    staff_of,
)
from .structure import edit_rule, rule_context

# --- field and step editors -------------------------------------------------------------------


def _field_page(
    request: HttpRequest,
    form: Form,
    draft: FormDraft,
    current: dict[str, Any],
    *,
    values: dict[str, Any],
    field_errors: dict[str, str],
    rule_problem: str = "",
    status: int = 200,
) -> HttpResponse:
    language = current_language()
    definition = draft.definition
    props = fields.props_for(str(current.get("type")))
    text_fields = [
        (f.get("key"), edits.text(f.get("label"), language))
        for f in edits.all_fields(definition)
        if f.get("type") == "text"
    ]
    inputs = []
    for prop in props:
        inputs.append(
            {
                "prop": prop,
                "choices": text_fields if prop.kind == "ref" else prop.choices,
                "value": values.get(prop.name, ""),
                "ja": values.get(f"{prop.name}_ja", ""),
                "en": values.get(f"{prop.name}_en", ""),
                "error": field_errors.get(prop.name) or field_errors.get(f"{prop.name}_ja", ""),
            }
        )
    summary = [
        {"id": f"prop-{name.removesuffix('_ja').removesuffix('_en')}", "message": message}
        for name, message in field_errors.items()
    ]
    return render(
        request,
        "forms/builder/field.html",
        base_context(
            request,
            form,
            field=current,
            label=edits.text(current.get("label"), language) or current.get("key"),
            type_name=edits.type_name(str(current.get("type")), language),
            inputs=inputs,
            key_value=values.get("key", current.get("key")),
            key_error=field_errors.get("key", ""),
            summary=summary,
            rule_problem=rule_problem,
            rule_blocks=[
                rule_context(
                    definition,
                    str(current["key"]),
                    current.get("visible_if"),
                    "visible_if",
                    request,
                ),
                rule_context(
                    definition,
                    str(current["key"]),
                    current.get("required_if"),
                    "required_if",
                    request,
                ),
            ]
            if current.get("type") != "info"
            else [
                rule_context(
                    definition,
                    str(current["key"]),
                    current.get("visible_if"),
                    "visible_if",
                    request,
                )
            ],
        ),
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def field_edit(request: HttpRequest, form_id: int, field_key: str) -> HttpResponse:
    form = form_or_404(request, form_id)
    draft = draft_for(request, form)
    try:
        current = edits.get_field(draft.definition, field_key)
    except edits.BuilderError as error:
        raise Http404 from error
    if request.method == "POST":
        require_editable(request, form)
        if request.POST.get("rule_target") in ("visible_if", "required_if"):
            target = request.POST["rule_target"]
            try:
                logic = edit_rule(current.get(target), draft.definition, request.POST)
            except (edits.BuilderError, ValueError) as error:
                return _field_page(
                    request,
                    form,
                    draft,
                    current,
                    values=fields.initial_values(current),
                    field_errors={},
                    rule_problem=str(error),
                    status=422,
                )
            new_field = {k: v for k, v in current.items() if k != target}
            if logic:
                new_field[target] = logic
            definition = edits.replace_field(draft.definition, field_key, new_field)
            services.save_draft(
                draft=draft,
                definition=definition,
                staff=staff_of(request),
                change=f"field.{target}",
            )
            messages.success(request, _("The rule was saved."))
            return redirect(
                reverse("forms:field", kwargs={"form_id": form.pk, "field_key": field_key})
                + f"#rule-{target}"
            )
        new_field, entered, field_errors = fields.field_from_post(
            current, request.POST, request.POST.getlist
        )
        if not field_errors:
            try:
                definition = edits.replace_field(draft.definition, field_key, new_field)
            except edits.BuilderError:
                field_errors["key"] = _(
                    "Another question already uses this key. Choose another one."
                )
        if field_errors:
            return _field_page(
                request, form, draft, current, values=entered, field_errors=field_errors, status=422
            )
        services.save_draft(
            draft=draft, definition=definition, staff=staff_of(request), change="field.edit"
        )
        messages.success(request, _("The question was saved."))
        return redirect(
            reverse("forms:edit", kwargs={"form_id": form.pk}) + f"#field-{new_field['key']}-item"
        )
    return _field_page(
        request,
        form,
        draft,
        current,
        values=fields.initial_values(current),
        field_errors={},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, form_id: int, step_key: str) -> HttpResponse:
    form = form_or_404(request, form_id)
    draft = draft_for(request, form)
    try:
        step = edits.get_step(draft.definition, step_key)
    except edits.BuilderError as error:
        raise Http404 from error
    rule_problem = ""
    posted: StepForm | None = None
    entered = {
        "title_ja": edits.text(step.get("title"), "ja"),
        "title_en": (step.get("title") or {}).get("en", "")
        if isinstance(step.get("title"), dict)
        else "",
        "description_ja": edits.text(step.get("description"), "ja"),
        "description_en": (step.get("description") or {}).get("en", "")
        if isinstance(step.get("description"), dict)
        else "",
    }
    if request.method == "POST":
        require_editable(request, form)
        if request.POST.get("rule_target") == "visible_if":
            try:
                logic = edit_rule(step.get("visible_if"), draft.definition, request.POST)
            except (edits.BuilderError, ValueError) as error:
                rule_problem = str(error)
            else:
                definition = edits.replace_step_properties(
                    draft.definition, step_key, {"visible_if": logic}
                )
                services.save_draft(
                    draft=draft,
                    definition=definition,
                    staff=staff_of(request),
                    change="step.visible_if",
                )
                return redirect("forms:step", form_id=form.pk, step_key=step_key)
        else:
            posted = StepForm(request.POST)
            entered = posted.entered()
            if posted.is_valid():
                definition = edits.replace_step_properties(
                    draft.definition, step_key, posted.properties()
                )
                services.save_draft(
                    draft=draft, definition=definition, staff=staff_of(request), change="step.edit"
                )
                messages.success(request, _("The page was saved."))
                return redirect(
                    reverse("forms:edit", kwargs={"form_id": form.pk}) + f"#step-{step_key}"
                )
    return render(
        request,
        "forms/builder/step.html",
        base_context(
            request,
            form,
            step=step,
            entered=entered,
            errors=summary(posted) if posted is not None else [],
            field_errors=field_errors(posted),
            rule_problem=rule_problem,
            rule_blocks=[
                rule_context(draft.definition, "", step.get("visible_if"), "visible_if", request)
            ],
        ),
        status=422 if (posted is not None and posted.errors) or rule_problem else 200,
    )
