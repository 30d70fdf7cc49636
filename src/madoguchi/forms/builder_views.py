"""The no-code form builder's pages (staff area, /staff/forms/).

Server-rendered, one page per draft; every change is a POST followed by a redirect
(PRG), so it works without JavaScript and the browser's back button never re-posts.
builder.js only adds drag-and-drop, which posts the same move action as the buttons.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from pydantic import ValidationError

from madoguchi.backoffice.views import staff_required
from madoguchi.tenants.models import Department, StaffMember

from . import answers as form_answers
from . import builder, builder_fields, builder_selectors, builder_services, conditions, rendering
from .models import Form, FormDraft
from .schema import FileField, FormSchema


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _staff(request: HttpRequest) -> StaffMember:
    staff: StaffMember = request.staff  # type: ignore[attr-defined]
    return staff


def _form(request: HttpRequest, form_id: int) -> Form:
    try:
        return builder_selectors.form_for(_staff(request), form_id)
    except Form.DoesNotExist as error:
        raise Http404 from error


def _draft(request: HttpRequest, form: Form) -> FormDraft:
    if builder_selectors.can_edit(_staff(request), form):
        return builder_services.ensure_draft(form=form, staff=_staff(request))
    draft = builder_selectors.draft_of(form)
    if draft is None:
        if form.current_version is None:
            raise Http404
        # Read-only staff look at the published version; nothing is stored for them.
        return FormDraft(form=form, definition=form.current_version.definition)
    return draft


def _editable(request: HttpRequest, form: Form) -> None:
    if not builder_selectors.can_edit(_staff(request), form):
        raise PermissionDenied


def _base(request: HttpRequest, form: Form | None = None, **extra: Any) -> dict[str, Any]:
    staff = _staff(request)
    context: dict[str, Any] = {"staff": staff, "language": _language()}
    if form is not None:
        context |= {"form": form, "can_edit": builder_selectors.can_edit(staff, form)}
    return context | extra


def _departments(staff: StaffMember) -> list[tuple[int, str]]:
    return [
        (d.pk, d.localized_name(_language())) for d in builder_selectors.editable_departments(staff)
    ]


def _department(staff: StaffMember, raw: str) -> Department | None:
    try:
        return builder_selectors.editable_departments(staff).get(pk=int(raw))
    except (ValueError, Department.DoesNotExist):
        return None


# --- lists, creation, templates, files ------------------------------------------------------


@staff_required
def form_list(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    language = _language()
    rows = []
    for form in builder_selectors.forms_for(staff):
        draft = getattr(form, "draft", None) if hasattr(form, "draft") else None
        definition = (
            draft.definition
            if draft
            else (form.current_version.definition if form.current_version else {})
        )
        rows.append(
            {
                "form": form,
                "title": builder.text(definition.get("title"), language) or form.slug,
                "department": form.department.localized_name(language),
                "version": form.current_version.number if form.current_version else None,
                "changed": draft is not None and draft.has_changes,
            }
        )
    return render(
        request,
        "forms/builder/list.html",
        _base(request, rows=rows, can_create=bool(_departments(staff))),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def form_new(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    entered = {
        k: request.POST.get(k, "").strip() for k in ("title_ja", "title_en", "slug", "department")
    }
    problem = ""
    if request.method == "POST":
        department = _department(staff, entered["department"])
        if department is None:
            problem = _("Choose the department that owns the form.")
        else:
            try:
                form = builder_services.create_form(
                    staff=staff,
                    department=department,
                    slug=entered["slug"],
                    title_ja=entered["title_ja"],
                    title_en=entered["title_en"],
                )
            except builder_services.BuilderRefused as refused:
                problem = _(str(refused))
            else:
                messages.success(request, _("The form was created. Add the questions now."))
                return redirect("forms:edit", form_id=form.pk)
    return render(
        request,
        "forms/builder/new.html",
        _base(request, entered=entered, problem=problem, departments=_departments(staff)),
        status=422 if problem else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def template_library(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    language = _language()
    problem, chosen = "", ""
    entered: dict[str, str] = {}
    if request.method == "POST":
        chosen = request.POST.get("template", "")
        entered = {k: request.POST.get(k, "").strip() for k in ("slug", "department")}
        template = (
            builder_selectors.templates().filter(pk=chosen).first() if chosen.isdigit() else None
        )
        department = _department(staff, entered["department"])
        if template is None or department is None:
            problem = _("Choose a template and the department that will own the copy.")
        else:
            try:
                form = builder_services.copy_template(
                    template=template, staff=staff, department=department, slug=entered["slug"]
                )
            except builder_services.BuilderRefused as refused:
                problem = _(str(refused))
            else:
                messages.success(request, _("The template was copied. Adapt it, then publish."))
                return redirect("forms:edit", form_id=form.pk)
    rows = [
        {
            "form": t,
            "title": t.current_version.schema.title.get(language) if t.current_version else t.slug,
            "municipality": t.municipality.localized_name(language),
            "department": t.department.localized_name(language),
        }
        for t in builder_selectors.templates()
    ]
    return render(
        request,
        "forms/builder/templates.html",
        _base(
            request,
            rows=rows,
            departments=_departments(staff),
            problem=problem,
            chosen=chosen,
            entered=entered,
        ),
        status=422 if problem else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def import_form(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    problem = ""
    entered = {k: request.POST.get(k, "").strip() for k in ("slug", "department")}
    if request.method == "POST":
        upload = request.FILES.get("file")
        department = _department(staff, entered["department"])
        if upload is None or department is None:
            problem = _("Choose the file and the department that will own the form.")
        elif upload.size and upload.size > 1_000_000:
            problem = _("The file is too large for a form definition (1 MB at most).")
        else:
            try:
                form = builder_services.import_file(
                    staff=staff, department=department, content=upload.read(), slug=entered["slug"]
                )
            except builder_services.BuilderRefused as refused:
                problem = _(str(refused))
            else:
                messages.success(
                    request, _("The form was imported as a draft. Check it, then publish.")
                )
                return redirect("forms:edit", form_id=form.pk)
    return render(
        request,
        "forms/builder/import.html",
        _base(request, problem=problem, entered=entered, departments=_departments(staff)),
        status=422 if problem else 200,
    )


@staff_required
def export_form(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    try:
        data = builder_services.export_file(form, draft=request.GET.get("draft") == "1")
    except builder_services.BuilderRefused as refused:
        raise Http404(str(refused)) from refused
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{form.municipality.lg_code}-{form.slug}.json"'
    )
    return response


# --- the draft page and structure edits ------------------------------------------------------


def _problem_rows(form: Form, definition: dict[str, Any], language: str) -> list[dict[str, str]]:
    rows = []
    for problem in builder.publish_problems(definition):
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
    form = _form(request, form_id)
    draft = _draft(request, form)
    language = _language()
    definition = draft.definition
    step_rows = []
    for step in builder.steps(definition):
        fields = []
        for field in step.get("fields") or []:
            fields.append(
                {
                    "key": field.get("key"),
                    "label": builder.text(field.get("label"), language),
                    "type": builder.TYPE_NAMES.get(str(field.get("type")), ("?", "?"))[
                        language == "en"
                    ],
                    "required": field.get("required") or field.get("type") == "consent",
                    "visible_if": builder.logic_summary(
                        definition, field.get("visible_if"), language
                    ),
                    "required_if": builder.logic_summary(
                        definition, field.get("required_if"), language
                    ),
                    "prefill": field.get("prefill", ""),
                }
            )
        step_rows.append(
            {
                "key": step.get("key"),
                "title": builder.text(step.get("title"), language),
                "visible_if": builder.logic_summary(definition, step.get("visible_if"), language),
                "fields": fields,
            }
        )
    return render(
        request,
        "forms/builder/edit.html",
        _base(
            request,
            form,
            draft=draft,
            title=builder.text(definition.get("title"), language) or form.slug,
            steps=step_rows,
            problems=_problem_rows(form, definition, language),
            rules=builder.condition_sentences(definition, language),
            field_types=[(t, names[language == "en"]) for t, names in builder.TYPE_NAMES.items()],
            can_mark=builder_selectors.can_mark_templates(_staff(request))
            and form.municipality_id == _staff(request).municipality_id,
        ),
    )


def _apply_action(definition: dict[str, Any], data: Any) -> tuple[dict[str, Any], str, str]:
    """(new definition, audit change name, anchor to return to)."""
    action = data.get("action", "")
    key = data.get("key", "")
    if action == "add_step":
        new, step_key = builder.add_step(definition, title_ja=data.get("title_ja", "").strip())
        return new, "step.add", f"step-{step_key}"
    if action in ("step_up", "step_down"):
        position = builder.step_position(definition, key) + (-1 if action == "step_up" else 1)
        return builder.move_step(definition, key, to=position), "step.move", f"step-{key}"
    if action == "remove_step":
        return builder.remove_step(definition, key), "step.remove", "steps"
    if action == "add_field":
        new, field_key = builder.add_field(
            definition,
            step_key=key,
            field_type=data.get("field_type", ""),
            label_ja=data.get("label_ja", "").strip(),
        )
        return new, "field.add", f"field-{field_key}-item"
    if action in ("field_up", "field_down"):
        direction = -1 if action == "field_up" else 1
        return (
            builder.nudge_field(definition, key, direction=direction),
            "field.move",
            f"field-{key}-item",
        )
    if action == "move_field":
        to = int(data.get("position", "0"))
        new = builder.move_field(definition, key, step_key=data.get("step", ""), to=to)
        return new, "field.move", f"field-{key}-item"
    if action == "remove_field":
        return builder.remove_field(definition, key), "field.remove", "steps"
    raise builder.BuilderError(f"unknown action '{action}'")


@staff_required
@require_POST
def action(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    _editable(request, form)
    draft = _draft(request, form)
    try:
        definition, change, anchor = _apply_action(draft.definition, request.POST)
    except (builder.BuilderError, ValueError) as error:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"error": str(error)}, status=422)
        messages.error(request, _("That change could not be made: %(why)s") % {"why": error})
        return redirect("forms:edit", form_id=form.pk)
    builder_services.save_draft(
        draft=draft, definition=definition, staff=_staff(request), change=change
    )
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"ok": True})
    if change == "field.add":
        key = anchor.removeprefix("field-").removesuffix("-item")
        return redirect("forms:field", form_id=form.pk, field_key=key)
    return redirect(reverse("forms:edit", kwargs={"form_id": form.pk}) + f"#{anchor}")


# --- rules ------------------------------------------------------------------------------------


def _rule_context(
    definition: dict[str, Any], target_key: str, logic: Any, name: str, request: HttpRequest
) -> dict[str, Any]:
    """What the rule editor shows for one condition (visible_if or required_if)."""
    language = _language()
    parsed = builder.rules_from_logic(logic)
    rules = []
    if parsed is not None:
        rules = [builder.rule_summary(definition, r, language) for r in parsed[1]]
    candidates = [
        (f.get("key"), builder.text(f.get("label"), language))
        for f in builder.all_fields(definition)
        if f.get("key") != target_key and f.get("type") not in ("info", "file")
    ]
    chosen = request.GET.get(f"{name}_field", "")
    chosen_field = next((f for f in builder.all_fields(definition) if f.get("key") == chosen), None)
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
        operators = [(c, builder.OPERATOR_NAMES[c][language == "en"]) for c in codes]
        options = [
            (str(o.get("value")), builder.text(o.get("label"), language))
            for o in chosen_field.get("options") or []
        ]
    return {
        "name": name,
        "summary": builder.logic_summary(definition, logic, language),
        "rules": rules,
        "editable": parsed is not None,
        "match": parsed[0] if parsed else "all",
        "candidates": candidates,
        "chosen": chosen if chosen_field is not None else "",
        "chosen_label": builder.text(chosen_field.get("label"), language) if chosen_field else "",
        "operators": operators,
        "options": options,
    }


def _edit_rule(logic: Any, definition: dict[str, Any], data: Any) -> dict[str, Any] | None:
    parsed = builder.rules_from_logic(logic)
    match, rules = parsed if parsed is not None else ("all", [])
    action = data.get("rule_action", "")
    if action == "clear":
        return None
    if action == "remove":
        index = int(data.get("index", "-1"))
        rules = [r for i, r in enumerate(rules) if i != index]
    elif action == "add":
        field_key, op = data.get("rule_field", ""), data.get("op", "")
        if op not in builder.OPERATORS:
            raise builder.BuilderError(_("Choose how to compare."))
        value = builder.coerce_value(definition, field_key, op, data.get("value", ""))
        rules = [*rules, builder.Rule(field_key, op, value)]
    if data.get("match") in ("all", "any"):
        match = data["match"]
    return builder.rules_to_logic(rules, match=match)


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
    language = _language()
    definition = draft.definition
    props = builder_fields.props_for(str(current.get("type")))
    text_fields = [
        (f.get("key"), builder.text(f.get("label"), language))
        for f in builder.all_fields(definition)
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
        _base(
            request,
            form,
            field=current,
            label=builder.text(current.get("label"), language) or current.get("key"),
            type_name=builder.TYPE_NAMES.get(str(current.get("type")), ("", ""))[language == "en"],
            inputs=inputs,
            key_value=values.get("key", current.get("key")),
            key_error=field_errors.get("key", ""),
            summary=summary,
            rule_problem=rule_problem,
            rule_blocks=[
                _rule_context(
                    definition,
                    str(current["key"]),
                    current.get("visible_if"),
                    "visible_if",
                    request,
                ),
                _rule_context(
                    definition,
                    str(current["key"]),
                    current.get("required_if"),
                    "required_if",
                    request,
                ),
            ]
            if current.get("type") != "info"
            else [
                _rule_context(
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
    form = _form(request, form_id)
    draft = _draft(request, form)
    try:
        current = builder.get_field(draft.definition, field_key)
    except builder.BuilderError as error:
        raise Http404 from error
    if request.method == "POST":
        _editable(request, form)
        if request.POST.get("rule_target") in ("visible_if", "required_if"):
            target = request.POST["rule_target"]
            try:
                logic = _edit_rule(current.get(target), draft.definition, request.POST)
            except (builder.BuilderError, ValueError) as error:
                return _field_page(
                    request,
                    form,
                    draft,
                    current,
                    values=builder_fields.initial_values(current),
                    field_errors={},
                    rule_problem=str(error),
                    status=422,
                )
            new_field = {k: v for k, v in current.items() if k != target}
            if logic:
                new_field[target] = logic
            definition = builder.replace_field(draft.definition, field_key, new_field)
            builder_services.save_draft(
                draft=draft, definition=definition, staff=_staff(request), change=f"field.{target}"
            )
            messages.success(request, _("The rule was saved."))
            return redirect(
                reverse("forms:field", kwargs={"form_id": form.pk, "field_key": field_key})
                + f"#rule-{target}"
            )
        new_field, entered, field_errors = builder_fields.field_from_post(
            current, request.POST, request.POST.getlist
        )
        if not field_errors:
            try:
                definition = builder.replace_field(draft.definition, field_key, new_field)
            except builder.BuilderError:
                field_errors["key"] = _(
                    "Another question already uses this key. Choose another one."
                )
        if field_errors:
            return _field_page(
                request, form, draft, current, values=entered, field_errors=field_errors, status=422
            )
        builder_services.save_draft(
            draft=draft, definition=definition, staff=_staff(request), change="field.edit"
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
        values=builder_fields.initial_values(current),
        field_errors={},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, form_id: int, step_key: str) -> HttpResponse:
    form = _form(request, form_id)
    draft = _draft(request, form)
    try:
        step = builder.get_step(draft.definition, step_key)
    except builder.BuilderError as error:
        raise Http404 from error
    problem, rule_problem = "", ""
    entered = {
        "title_ja": builder.text(step.get("title"), "ja"),
        "title_en": (step.get("title") or {}).get("en", "")
        if isinstance(step.get("title"), dict)
        else "",
        "description_ja": builder.text(step.get("description"), "ja"),
        "description_en": (step.get("description") or {}).get("en", "")
        if isinstance(step.get("description"), dict)
        else "",
    }
    if request.method == "POST":
        _editable(request, form)
        if request.POST.get("rule_target") == "visible_if":
            try:
                logic = _edit_rule(step.get("visible_if"), draft.definition, request.POST)
            except (builder.BuilderError, ValueError) as error:
                rule_problem = str(error)
            else:
                definition = builder.replace_step_properties(
                    draft.definition, step_key, {"visible_if": logic}
                )
                builder_services.save_draft(
                    draft=draft,
                    definition=definition,
                    staff=_staff(request),
                    change="step.visible_if",
                )
                return redirect("forms:step", form_id=form.pk, step_key=step_key)
        else:
            entered = {k: request.POST.get(k, "").strip() for k in entered}
            if not entered["title_ja"]:
                problem = _("Enter the page title in Japanese.")
            else:

                def localized(prefix: str) -> dict[str, str] | None:
                    ja, en = entered[f"{prefix}_ja"], entered[f"{prefix}_en"]
                    return ({"ja": ja} | ({"en": en} if en else {})) if ja else None

                definition = builder.replace_step_properties(
                    draft.definition,
                    step_key,
                    {"title": localized("title"), "description": localized("description")},
                )
                builder_services.save_draft(
                    draft=draft, definition=definition, staff=_staff(request), change="step.edit"
                )
                messages.success(request, _("The page was saved."))
                return redirect(
                    reverse("forms:edit", kwargs={"form_id": form.pk}) + f"#step-{step_key}"
                )
    return render(
        request,
        "forms/builder/step.html",
        _base(
            request,
            form,
            step=step,
            entered=entered,
            problem=problem,
            rule_problem=rule_problem,
            rule_blocks=[
                _rule_context(draft.definition, "", step.get("visible_if"), "visible_if", request)
            ],
        ),
        status=422 if problem or rule_problem else 200,
    )


# --- settings ---------------------------------------------------------------------------------

IDENTITY_CHOICES = [
    ("none", "本人確認なし（自己申告） / No verification"),
    ("account", "アカウント（ログイン） / Signed-in account"),
    ("mynumber_auth", "マイナンバーカードで本人確認 / My Number Card"),
]
CHANNEL_CHOICES = [
    ("online", "電子申請 / Online"),
    ("mail", "郵送申請書の作成支援 / Print and post"),
    ("counter", "窓口来所前の事前登録 / Pre-register for the counter"),
]


def _parse_datetime(raw: str) -> datetime | None:
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _local_input(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _settings_values(form: Form, definition: dict[str, Any]) -> dict[str, Any]:
    def part(name: str, language: str) -> str:
        value = definition.get(name)
        return (
            value.get(language, "")
            if isinstance(value, dict)
            else (value if language == "ja" else "")
        ) or ""

    email_target = next(
        (
            f["key"]
            for f in builder.all_fields(definition)
            if f.get("type") == "email" and f.get("confirmation")
        ),
        "",
    )
    identity = definition.get("identity", "none")
    return {
        "title_ja": part("title", "ja"),
        "title_en": part("title", "en"),
        "description_ja": part("description", "ja"),
        "description_en": part("description", "en"),
        "confirmation_message_ja": part("confirmation_message", "ja"),
        "confirmation_message_en": part("confirmation_message", "en"),
        "identity": "mynumber_auth" if identity == "mynumber_sign" else identity,
        "signature": identity == "mynumber_sign",
        "channels": definition.get("channels") or ["online"],
        "applicant_name_field": definition.get("applicant_name_field", ""),
        "confirmation_email_field": email_target,
        "review": definition.get("review", True),
        "department": str(form.department_id),
        "opens_at": _local_input(form.opens_at),
        "closes_at": _local_input(form.closes_at),
        "max_submissions": str(form.max_submissions or ""),
    }


def _settings_from_post(
    definition: dict[str, Any], data: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    entered: dict[str, Any] = {k: str(data.get(k, "")).strip() for k in _settings_values_keys()}
    entered["signature"] = data.get("signature") == "on"
    entered["review"] = data.get("review") == "on"
    entered["channels"] = [c for c in data.getlist("channels") if c in dict(CHANNEL_CHOICES)]
    errors: dict[str, str] = {}
    if not entered["title_ja"]:
        errors["title_ja"] = _("Enter the name of the procedure in Japanese.")
    if entered["identity"] not in dict(IDENTITY_CHOICES):
        errors["identity"] = _("Choose how applicants prove who they are.")
    if entered["signature"] and entered["identity"] != "mynumber_auth":
        errors["signature"] = _(
            "A signature needs identity verification with the My Number Card: "
            "choose “My Number Card” above, or untick the signature."
        )
    if not entered["channels"]:
        errors["channels"] = _("Choose at least one channel.")

    def localized(prefix: str) -> dict[str, str] | None:
        ja, en = entered[f"{prefix}_ja"], entered[f"{prefix}_en"]
        if en and not ja:
            errors[f"{prefix}_ja"] = _("Enter the Japanese text too.")
        return ({"ja": ja} | ({"en": en} if en else {})) if ja else None

    properties = {
        "title": localized("title"),
        "description": localized("description"),
        "confirmation_message": localized("confirmation_message"),
        "identity": "mynumber_sign" if entered["signature"] else entered["identity"],
        "channels": entered["channels"],
        "applicant_name_field": entered["applicant_name_field"] or None,
        "review": entered["review"],
    }
    new = builder.set_form_properties(definition, properties)
    for field in builder.all_fields(new):
        if field.get("type") == "email":
            if field.get("key") == entered["confirmation_email_field"]:
                field["confirmation"] = True
            else:
                field.pop("confirmation", None)
    return new, entered, errors


def _settings_values_keys() -> list[str]:
    return [
        "title_ja",
        "title_en",
        "description_ja",
        "description_en",
        "confirmation_message_ja",
        "confirmation_message_en",
        "identity",
        "applicant_name_field",
        "confirmation_email_field",
        "department",
        "opens_at",
        "closes_at",
        "max_submissions",
    ]


@staff_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    draft = _draft(request, form)
    staff = _staff(request)
    values = _settings_values(form, draft.definition)
    errors: dict[str, str] = {}
    if request.method == "POST":
        _editable(request, form)
        definition, values, errors = _settings_from_post(draft.definition, request.POST)
        department = _department(staff, values["department"])
        if department is None:
            errors["department"] = _("Choose one of your departments.")
        try:
            opens_at = _parse_datetime(values["opens_at"])
            closes_at = _parse_datetime(values["closes_at"])
        except ValueError:
            errors["opens_at"] = _("Enter dates such as 2026-04-01 09:00.")
            opens_at = closes_at = None
        limit_raw = values["max_submissions"]
        if limit_raw and not limit_raw.isdigit():
            errors["max_submissions"] = _("Enter a whole number such as 100, or leave it empty.")
        if not errors and department is not None:
            try:
                builder_services.update_settings(
                    form=form,
                    staff=staff,
                    department=department,
                    opens_at=opens_at,
                    closes_at=closes_at,
                    max_submissions=int(limit_raw) if limit_raw else None,
                )
            except builder_services.BuilderRefused as refused:
                errors["closes_at"] = _(str(refused))
        if not errors:
            builder_services.save_draft(
                draft=draft, definition=definition, staff=staff, change="form.edit"
            )
            messages.success(request, _("The settings were saved."))
            return redirect("forms:edit", form_id=form.pk)
    language = _language()
    return render(
        request,
        "forms/builder/settings.html",
        _base(
            request,
            form,
            values=values,
            field_errors=errors,
            identity_choices=IDENTITY_CHOICES,
            channel_choices=CHANNEL_CHOICES,
            departments=_departments(staff),
            name_fields=[
                (f.get("key"), builder.text(f.get("label"), language))
                for f in builder.all_fields(draft.definition)
                if f.get("type") in ("text", "kana")
            ],
            email_fields=[
                (f.get("key"), builder.text(f.get("label"), language))
                for f in builder.all_fields(draft.definition)
                if f.get("type") == "email"
            ],
        ),
        status=422 if errors else 200,
    )


@staff_required
@require_POST
def mark_template(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    try:
        builder_services.set_template(
            form=form, staff=_staff(request), is_template=request.POST.get("is_template") == "on"
        )
    except builder_services.BuilderRefused as refused:
        messages.error(request, _(str(refused)))
    else:
        messages.success(request, _("Saved."))
    return redirect("forms:edit", form_id=form.pk)


# --- preview, publish, versions -------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    draft = _draft(request, form)
    language = _language()
    width = "desktop" if request.GET.get("width") == "desktop" else "phone"
    try:
        schema = FormSchema.model_validate(draft.definition)
    except ValidationError:
        return render(
            request,
            "forms/builder/preview.html",
            _base(
                request, form, problems=_problem_rows(form, draft.definition, language), width=width
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
        _base(
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
    form = _form(request, form_id)
    draft = _draft(request, form)
    language = _language()
    if request.method == "POST":
        _editable(request, form)
        try:
            version = builder_services.publish_draft(draft=draft, staff=_staff(request))
        except builder_services.DraftNotPublishable:
            pass  # shown below, item by item
        else:
            messages.success(
                request,
                _("Version %(number)s is published. Residents see it from now on.")
                % {"number": version.number},
            )
            return redirect("forms:edit", form_id=form.pk)
    problems = _problem_rows(form, draft.definition, language)
    current = form.current_version
    changes = builder.diff(current.definition if current else {}, draft.definition, language)
    return render(
        request,
        "forms/builder/publish.html",
        _base(request, form, problems=problems, changes=changes, current=current, draft=draft),
        status=422 if problems and request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def versions(request: HttpRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    language = _language()
    all_versions = list(builder_selectors.versions_of(form))
    if request.method == "POST":
        _editable(request, form)
        chosen = next(
            (v for v in all_versions if str(v.number) == request.POST.get("number")), None
        )
        if chosen is None:
            raise Http404
        new = builder_services.republish(version=chosen, staff=_staff(request))
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
        builder.diff(older.definition if older else {}, newer.definition, language) if newer else []
    )
    return render(
        request,
        "forms/builder/versions.html",
        _base(
            request,
            form,
            versions=all_versions,
            older=older,
            newer=newer,
            changes=changes,
            current_id=form.current_version_id,
        ),
    )
