"""The draft page: pages and questions, their order, and the rule editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.staff import staff_required

from ...models import Form
from .. import edits, selectors, services
from .. import rules as rule_edits
from ..forms import RuleForm, StructureActionForm
from ..problems import publish_problems
from .common import (
    base_context,
    current_language,
    draft_for,
    form_or_404,
    require_editable,
    staff_of,
)

# --- the draft page and structure edits ------------------------------------------------------


def problem_rows(form: Form, definition: dict[str, Any], language: str) -> list[dict[str, str]]:
    rows = []
    for problem in publish_problems(definition):
        if problem.field:
            url = reverse("forms:field", kwargs={"form_id": form.pk, "field_key": problem.field})
        elif problem.step:
            url = reverse("forms:edit", kwargs={"form_id": form.pk}) + f"#step-{problem.step}"
        else:
            url = reverse("forms:settings", kwargs={"form_id": form.pk})
        rows.append({"message": problem.message(language), "url": url})
    return rows


@staff_required
def edit(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    draft = draft_for(request, form)
    language = current_language()
    definition = draft.definition
    step_rows = []
    for step in edits.steps(definition):
        fields = []
        for field in step.get("fields") or []:
            fields.append(
                {
                    "key": field.get("key"),
                    "label": edits.text(field.get("label"), language),
                    "type": edits.type_name(str(field.get("type")), language) or "?",
                    "required": field.get("required") or field.get("type") == "consent",
                    # Marked like GOV.UK marks it: the exception is the optional question.
                    "optional": field.get("type") not in ("info", "consent")
                    and not field.get("required")
                    and not field.get("required_if"),
                    "visible_if": rule_edits.logic_summary(
                        definition, field.get("visible_if"), language
                    ),
                    "required_if": rule_edits.logic_summary(
                        definition, field.get("required_if"), language
                    ),
                    "prefill": field.get("prefill", ""),
                }
            )
        step_rows.append(
            {
                "key": step.get("key"),
                "title": edits.text(step.get("title"), language),
                "visible_if": rule_edits.logic_summary(
                    definition, step.get("visible_if"), language
                ),
                "fields": fields,
            }
        )
    return render(
        request,
        "forms/builder/edit.html",
        base_context(
            request,
            form,
            draft=draft,
            title=edits.text(definition.get("title"), language) or form.slug,
            steps=step_rows,
            problems=problem_rows(form, definition, language),
            rules=rule_edits.condition_sentences(definition, language),
            field_types=[(t, edits.type_name(t, language)) for t in edits.TYPE_NAMES],
            can_mark=selectors.can_mark_templates(staff_of(request))
            and form.municipality_id == staff_of(request).municipality_id,
        ),
    )


def _apply_action(definition: dict[str, Any], posted: Any) -> tuple[dict[str, Any], str, str]:
    """(new definition, audit change name, anchor to return to)."""
    form = StructureActionForm(posted)
    if not form.is_valid():
        raise edits.BuilderError(" ".join(str(m) for ms in form.errors.values() for m in ms))
    data = form.cleaned_data
    action = data["action"]
    key = data["key"]
    if action == "add_step":
        new, step_key = edits.add_step(definition, title_ja=data["title_ja"])
        return new, "step.add", f"step-{step_key}"
    if action in ("step_up", "step_down"):
        position = edits.step_position(definition, key) + (-1 if action == "step_up" else 1)
        return edits.move_step(definition, key, to=position), "step.move", f"step-{key}"
    if action == "remove_step":
        return edits.remove_step(definition, key), "step.remove", "steps"
    if action == "add_field":
        new, field_key = edits.add_field(
            definition,
            step_key=key,
            field_type=data["field_type"],
            label_ja=data["label_ja"],
        )
        return new, "field.add", f"field-{field_key}-item"
    if action in ("field_up", "field_down"):
        direction = -1 if action == "field_up" else 1
        return (
            edits.nudge_field(definition, key, direction=direction),
            "field.move",
            f"field-{key}-item",
        )
    if action == "move_field":
        to = data["position"] or 0
        new = edits.move_field(definition, key, step_key=data["step"], to=to)
        return new, "field.move", f"field-{key}-item"
    if action == "remove_field":
        return edits.remove_field(definition, key), "field.remove", "steps"
    raise edits.BuilderError(f"unknown action '{action}'")  # every choice is handled above


@staff_required
@require_POST
def action(request: HttpRequest, form_id: int) -> HttpResponse:
    form = form_or_404(request, form_id)
    require_editable(request, form)
    draft = draft_for(request, form)
    try:
        definition, change, anchor = _apply_action(draft.definition, request.POST)
    except (edits.BuilderError, ValueError) as error:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": str(error)}, status=422)
        messages.error(request, _("That change could not be made: %(why)s") % {"why": error})
        return redirect("forms:edit", form_id=form.pk)
    services.save_draft(draft=draft, definition=definition, staff=staff_of(request), change=change)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"ok": True})
    if change == "field.add":
        key = anchor.removeprefix("field-").removesuffix("-item")
        return redirect("forms:field", form_id=form.pk, field_key=key)
    return redirect(reverse("forms:edit", kwargs={"form_id": form.pk}) + f"#{anchor}")


# --- rules ------------------------------------------------------------------------------------


def rule_context(
    definition: dict[str, Any], target_key: str, logic: Any, name: str, request: HttpRequest
) -> dict[str, Any]:
    """What the rule editor shows for one condition (visible_if or required_if)."""
    language = current_language()
    parsed = rule_edits.rules_from_logic(logic)
    rules = []
    if parsed is not None:
        rules = [rule_edits.rule_summary(definition, r, language) for r in parsed[1]]
    candidates = [
        (f.get("key"), edits.text(f.get("label"), language))
        for f in edits.all_fields(definition)
        if f.get("key") != target_key and f.get("type") not in ("info", "file", "photo")
    ]
    chosen = request.GET.get(f"{name}_field", "")
    chosen_field = next((f for f in edits.all_fields(definition) if f.get("key") == chosen), None)
    operators: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    if chosen_field is not None:
        kind = chosen_field.get("type")
        if kind == "choice" and chosen_field.get("widget") == "checkbox":
            codes = ["contains", "not_contains", "answered", "empty"]
        elif kind == "choice":
            codes = ["eq", "ne", "answered", "empty"]
        elif kind == "number":
            codes = ["eq", "ne", "gt", "ge", "lt", "le", "answered", "empty"]
        elif kind == "consent":
            codes = ["answered", "empty"]
        else:
            codes = ["eq", "ne", "answered", "empty"]
        operators = [(c, str(rule_edits.OPERATOR_NAMES[c])) for c in codes]
        options = [
            (str(o.get("value")), edits.text(o.get("label"), language))
            for o in chosen_field.get("options") or []
        ]
    return {
        "name": name,
        "summary": rule_edits.logic_summary(definition, logic, language),
        "rules": rules,
        "editable": parsed is not None,
        "match": parsed[0] if parsed else "all",
        "candidates": candidates,
        "chosen": chosen if chosen_field is not None else "",
        "chosen_label": edits.text(chosen_field.get("label"), language) if chosen_field else "",
        "operators": operators,
        "options": options,
    }


def edit_rule(logic: Any, definition: dict[str, Any], posted: Any) -> dict[str, Any] | None:
    """The condition after the rule editor's change in ``posted``; BuilderError says why not."""
    form = RuleForm(posted, operators=rule_edits.OPERATORS)
    if not form.is_valid():
        raise edits.BuilderError(" ".join(str(m) for ms in form.errors.values() for m in ms))
    data = form.cleaned_data
    parsed = rule_edits.rules_from_logic(logic)
    match, rules = parsed if parsed is not None else ("all", [])
    action = data["rule_action"]
    if action == "clear":
        return None
    if action == "remove":
        index = data["index"] if data["index"] is not None else -1
        rules = [r for i, r in enumerate(rules) if i != index]
    elif action == "add":
        op = data["op"]
        value = rule_edits.coerce_value(definition, data["rule_field"], op, data["value"])
        rules = [*rules, rule_edits.Rule(data["rule_field"], op, value)]
    if data["match"]:
        match = data["match"]
    return rule_edits.rules_to_logic(rules, match=match)
