"""The editors of one question and one procedure, each with its condition."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.staff import staff_required

from . import edits, services
from .common import (
    administrator,
    channels_of,
    current_language,
    form_choices,
    guide_or_404,
    pair_values,
    problem_errors,
    summary,
    text_pair,
)

_TEXTS = ("text", "help", "title", "what", "who", "deadline", "fee", "site")


def _condition(
    definition: edits.Definition,
    logic: Any,
    *,
    before: str | None,
    entered: QueryDict | None,
    error: str,
) -> dict[str, Any]:
    """What the condition fieldset shows: the answers to tick, grouped by question."""
    language = current_language()
    offered = edits.choices(definition, before=before, language=language)
    mode, checked = edits.condition_state(logic, offered)
    if entered is not None:
        mode = entered.get("condition_mode", mode)
        checked = set(entered.getlist("condition"))
    groups: list[dict[str, Any]] = []
    for number, choice in enumerate(offered):
        if not groups or groups[-1]["question"] != choice.question:
            groups.append({"question": choice.question, "choices": []})
        groups[-1]["choices"].append(
            {
                "id": f"condition-{number}",
                "token": choice.token,
                "label": choice.answer,
                "checked": choice.token in checked,
            }
        )
    return {
        "mode": mode,
        "groups": groups,
        "custom": edits.summary(definition, logic, language) if logic else "",
        "can_keep": edits.condition_state(logic, offered)[0] == "keep",
        "error": error,
    }


def _values(item: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in _TEXTS:
        values[name], values[f"{name}_en"] = pair_values(item.get(name))
    values |= {
        "kind": str(item.get("kind") or ""),
        "options": edits.options_text(item.get("options") or []),
        "bring": edits.lines_text(item.get("bring") or []),
        "form": str(item.get("form") or ""),
        "channel": str(item.get("channel") or ""),
        "url": str(item.get("url") or ""),
    }
    return values


def _save(
    request: HttpRequest,
    *,
    guide: Any,
    section: edits.Section,
    key: str,
    build: Any,
) -> dict[str, str] | None:
    """Save the item ``build(definition, item)`` makes; the problems by input, or None."""

    def change(definition: edits.Definition) -> edits.Definition:
        item = edits.get(definition, section, key)
        return edits.replace(definition, section, key, build(definition, item))

    try:
        services.update(guide=guide, edit=change)
    except edits.BuilderError as error:
        return {error.field or "general": str(error)}
    except services.InvalidCandidate as invalid:
        return problem_errors(invalid.problems, key=key, prefix="")
    return None


@staff_required
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    staff = administrator(request)
    guide = guide_or_404(staff, slug)
    try:
        current = edits.get(guide.definition, "questions", key)
    except edits.BuilderError as error:
        raise Http404 from error
    errors: dict[str, str] = {}
    entered: QueryDict | None = None
    if request.method == "POST":
        entered = request.POST

        def build(definition: edits.Definition, item: dict[str, Any]) -> dict[str, Any]:
            posted = request.POST
            kind = posted.get("kind", "")
            options: list[dict[str, Any]] = []
            if kind != "yes_no":
                options, problems = edits.parse_options(
                    posted.get("options", ""), item.get("options") or []
                )
                if problems:
                    raise edits.BuilderError(" ".join(problems), field="options")
            offered = edits.choices(definition, before=key, language=current_language())
            return {
                "text": text_pair(posted, "text") or {"ja": ""},
                "help": text_pair(posted, "help"),
                "kind": kind,
                "options": options or None,
                "visible_if": edits.condition_from(
                    posted.get("condition_mode", ""),
                    posted.getlist("condition"),
                    offered,
                    current=item.get("visible_if"),
                ),
            }

        found = _save(request, guide=guide, section="questions", key=key, build=build)
        if found is None:
            messages.success(request, _("The question was saved."))
            return redirect(reverse("guide_staff:build", args=[slug]) + f"#question-{key}")
        errors = found
    values = _values(current)
    if entered is not None:
        values = {k: entered.get(k, "") for k in values}
    return render(
        request,
        "guide/builder_question.html",
        {
            "staff": staff,
            "guide": guide,
            "key": key,
            "title": edits.text(current.get("text"), current_language()) or key,
            "values": values,
            "errors": errors,
            "summary": summary(errors),
            "kinds": [(k, str(v)) for k, v in edits.KINDS.items()],
            "condition": _condition(
                guide.definition,
                current.get("visible_if"),
                before=key,
                entered=entered,
                error=errors.get("condition", ""),
            ),
        },
        status=422 if errors else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def procedure(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    staff = administrator(request)
    guide = guide_or_404(staff, slug)
    try:
        current = edits.get(guide.definition, "procedures", key)
    except edits.BuilderError as error:
        raise Http404 from error
    forms = form_choices(staff, current_language())
    errors: dict[str, str] = {}
    entered: QueryDict | None = None
    if request.method == "POST":
        entered = request.POST

        def build(definition: edits.Definition, item: dict[str, Any]) -> dict[str, Any]:
            posted = request.POST
            new: dict[str, Any] = {
                "title": text_pair(posted, "title") or {"ja": ""},
                "what": text_pair(posted, "what") or {"ja": ""},
                "who": text_pair(posted, "who") or {"ja": ""},
                "deadline": text_pair(posted, "deadline"),
                "bring": edits.lines_of(posted.get("bring", "")) or None,
                "fee": text_pair(posted, "fee"),
            }
            if item.get("form"):
                slugs = {f["slug"] for f in forms} | {item["form"]}
                if posted.get("form") not in slugs:
                    raise edits.BuilderError(_("Choose one of the published forms."), field="form")
                new["form"] = posted.get("form")
            else:
                new |= {
                    "channel": posted.get("channel", ""),
                    "site": text_pair(posted, "site") or {"ja": ""},
                    "url": posted.get("url", "").strip(),
                }
            offered = edits.choices(definition, before=None, language=current_language())
            new["applies_if"] = edits.condition_from(
                posted.get("condition_mode", ""),
                posted.getlist("condition"),
                offered,
                current=item.get("applies_if"),
            )
            return new

        found = _save(request, guide=guide, section="procedures", key=key, build=build)
        if found is None:
            messages.success(request, _("The procedure was saved."))
            return redirect(reverse("guide_staff:build", args=[slug]) + f"#procedure-{key}")
        errors = {
            "channel" if k == "source" and not current.get("form") else k: v
            for k, v in found.items()
        }
        errors = {"form" if k == "source" else k: v for k, v in errors.items()}
    values = _values(current)
    if entered is not None:
        values = {k: entered.get(k, "") for k in values}
    return render(
        request,
        "guide/builder_procedure.html",
        {
            "staff": staff,
            "guide": guide,
            "key": key,
            "title": edits.text(current.get("title"), current_language()) or key,
            "is_form": bool(current.get("form")),
            "form_channels": channels_of(guide, current),
            "values": values,
            "errors": errors,
            "summary": summary(errors),
            "forms": forms,
            "channels": [(k, str(v)) for k, v in edits.CHANNELS.items()],
            "condition": _condition(
                guide.definition,
                current.get("applies_if"),
                before=None,
                entered=entered,
                error=errors.get("condition", ""),
            ),
        },
        status=422 if errors else 200,
    )
