"""The guide builder's pages: a new guide, the overview (settings, questions, procedures,
their order, adding, publishing), and the editors of one question and one procedure.

Every page is a plain POST form (no JavaScript needed). A refused save answers 422 with the
page as it was posted: each problem beside its input and in the error summary.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.staff import staff_required
from madoguchi.tenants.models import StaffMember

from ..models import Guide
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
from .problems import Problem


def _flash_problems(
    request: HttpRequest, definition: edits.Definition, problems: list[Problem]
) -> None:
    """Problems of an edit made from a list (move, remove): named by their item."""
    language = current_language()
    for problem in problems:
        where = ""
        if problem.key and problem.section in ("questions", "procedures"):
            try:
                item = edits.get(definition, problem.section, problem.key)  # type: ignore[arg-type]
                label = item.get("text") or item.get("title")
                where = edits.text(label, language) or problem.key
            except edits.BuilderError:
                where = problem.key
        messages.error(
            request,
            _("Not changed: %(why)s")
            % {"why": f"「{where}」: {problem.message}" if where else problem.message},
        )


# --- a new guide -------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    staff = administrator(request)
    entered = {"title": "", "title_en": "", "slug": "", "life_event": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        entered = {name: request.POST.get(name, "").strip() for name in entered}
        try:
            guide = services.create_guide(
                municipality=staff.municipality,
                slug=entered["slug"],
                title=text_pair(request.POST, "title"),
                life_event=entered["life_event"],
            )
        except services.InvalidCandidate as invalid:
            errors = {p.field or "title": p.message for p in reversed(invalid.problems)}
        else:
            messages.success(request, _("The guide was created. It is not published yet."))
            return redirect("guide_staff:build", slug=guide.slug)
    order = ["title", "slug", "life_event"]
    errors = {field: errors[field] for field in order if field in errors}
    return render(
        request,
        "guide/builder_new.html",
        {
            "staff": staff,
            "entered": entered,
            "errors": errors,
            "summary": summary(errors, prefix=""),
            "life_events": [(k, str(v)) for k, v in edits.LIFE_EVENTS.items()],
        },
        status=422 if errors else 200,
    )


# --- the overview --------------------------------------------------------------------------------


def _unusual(definition: edits.Definition, logic: Any, *, before: str | None) -> bool:
    """A condition the ticks cannot show: written in YAML, or naming an answer no longer
    offered (an option removed, a kind changed), which then never holds."""
    offered = edits.choices(definition, before=before, language="ja")
    return bool(logic) and edits.condition_state(logic, offered)[0] == "keep"


def _overview(
    request: HttpRequest,
    staff: StaffMember,
    guide: Guide,
    *,
    entered: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    language = current_language()
    definition = guide.definition
    errors = errors or {}
    title_ja, title_en = pair_values(definition.get("title"))
    intro_ja, intro_en = pair_values(definition.get("intro"))
    values = {
        "title": title_ja,
        "title_en": title_en,
        "intro": intro_ja,
        "intro_en": intro_en,
        "life_event": str(definition.get("life_event") or ""),
        "q_kind": "yes_no",
        "p_source": "form",
        "p_channel": "online",
    } | (entered or {})
    questions = [
        {
            "key": q.get("key"),
            "text": edits.text(q.get("text"), language),
            "kind": str(edits.KINDS.get(str(q.get("kind")), "")),
            "options": [edits.text(o.get("label"), language) for o in q.get("options") or []],
            "condition": edits.summary(definition, q.get("visible_if"), language),
            "unusual": _unusual(definition, q.get("visible_if"), before=str(q.get("key"))),
        }
        for q in edits.items(definition, "questions")
    ]
    procedures = [
        {
            "key": p.get("key"),
            "title": edits.text(p.get("title"), language),
            "form": p.get("form", ""),
            "site": edits.text(p.get("site"), language),
            "channels": channels_of(guide, p),
            "condition": edits.summary(definition, p.get("applies_if"), language),
            "unusual": _unusual(definition, p.get("applies_if"), before=None),
        }
        for p in edits.items(definition, "procedures")
    ]
    return render(
        request,
        "guide/builder_edit.html",
        {
            "staff": staff,
            "guide": guide,
            "title": edits.text(definition.get("title"), language) or guide.slug,
            "values": values,
            "errors": errors,
            "summary": summary(errors),
            "questions": questions,
            "procedures": procedures,
            "life_events": [(k, str(v)) for k, v in edits.LIFE_EVENTS.items()],
            "kinds": [(k, str(v)) for k, v in edits.KINDS.items()],
            "channels": [(k, str(v)) for k, v in edits.CHANNELS.items()],
            "forms": form_choices(staff, language),
        },
        status=422 if errors else 200,
    )


def _add_question(posted: QueryDict, definition: edits.Definition) -> tuple[edits.Definition, str]:
    kind = posted.get("q_kind", "yes_no")
    question: dict[str, Any] = {"text": text_pair(posted, "q_text") or {"ja": ""}, "kind": kind}
    if kind != "yes_no":
        options, problems = edits.parse_options(posted.get("q_options", ""), [])
        if problems:
            raise edits.BuilderError(" ".join(problems), field="options")
        question["options"] = options
    return edits.add(definition, "questions", question)


def _add_procedure(
    posted: QueryDict, definition: edits.Definition, forms: list[dict[str, Any]]
) -> tuple[edits.Definition, str]:
    procedure: dict[str, Any] = {
        "what": text_pair(posted, "p_what") or {"ja": ""},
        "who": text_pair(posted, "p_who") or {"ja": ""},
    }
    title = text_pair(posted, "p_title")
    if posted.get("p_source") == "external":
        procedure |= {
            "channel": posted.get("p_channel", ""),
            "site": text_pair(posted, "p_site") or {"ja": ""},
            "url": posted.get("p_url", "").strip(),
            "title": title or {"ja": ""},
        }
        return edits.add(definition, "procedures", procedure)
    chosen = next((f for f in forms if f["slug"] == posted.get("p_form")), None)
    if chosen is None:
        raise edits.BuilderError(_("Choose one of the published forms."), field="form")
    procedure |= {"form": chosen["slug"], "title": title or chosen["title_value"]}
    return edits.add(definition, "procedures", procedure, key_hint=chosen["slug"])


@staff_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    staff = administrator(request)
    guide = guide_or_404(staff, slug)
    if request.method == "GET":
        return _overview(request, staff, guide)
    posted = request.POST
    action = posted.get("action", "")
    entered = {k: str(v) for k, v in posted.items() if k != "csrfmiddlewaretoken"}
    if action == "publish":
        try:
            services.publish(guide=guide)
        except services.InvalidCandidate as invalid:
            _flash_problems(request, guide.definition, invalid.problems)
        else:
            messages.success(request, _("The guide is published: residents see this version."))
        return redirect("guide_staff:build", slug=slug)
    if action in ("up", "down", "remove"):
        section: edits.Section = (
            "procedures" if posted.get("section") == "procedures" else "questions"
        )
        key = posted.get("key", "")

        def move_or_remove(definition: edits.Definition) -> edits.Definition:
            if action == "remove":
                return edits.remove(definition, section, key)
            return edits.move(definition, section, key, direction=-1 if action == "up" else 1)

        try:
            services.update(guide=guide, edit=move_or_remove)
        except edits.BuilderError as error:
            messages.error(request, _("Not changed: %(why)s") % {"why": error})
        except services.InvalidCandidate as invalid:
            _flash_problems(request, guide.definition, invalid.problems)
        else:
            messages.success(request, _("The guide was saved."))
        return redirect(reverse("guide_staff:build", args=[slug]) + f"#{section}")
    forms = form_choices(staff, current_language())
    if action == "settings":
        prefix, added = "", ""

        def change(definition: edits.Definition) -> edits.Definition:
            return edits.set_settings(
                definition,
                title=text_pair(posted, "title") or {"ja": ""},
                intro=text_pair(posted, "intro"),
                life_event=posted.get("life_event", ""),
            )

    elif action == "add_question":
        prefix = "q_"

        def change(definition: edits.Definition) -> edits.Definition:
            nonlocal added
            new, added = _add_question(posted, definition)
            return new

    elif action == "add_procedure":
        prefix = "p_"

        def change(definition: edits.Definition) -> edits.Definition:
            nonlocal added
            new, added = _add_procedure(posted, definition, forms)
            return new

    else:
        raise Http404
    added = ""
    try:
        services.update(guide=guide, edit=change)
    except edits.BuilderError as error:
        errors = {f"{prefix}{error.field or 'general'}": str(error)}
        return _overview(request, staff, guide, entered=entered, errors=errors)
    except services.InvalidCandidate as invalid:
        errors = problem_errors(invalid.problems, key=added, prefix=prefix)
        return _overview(request, staff, guide, entered=entered, errors=errors)
    if action == "add_question":
        messages.success(request, _("The question was added."))
        return redirect("guide_staff:build_question", slug=slug, key=added)
    if action == "add_procedure":
        messages.success(request, _("The procedure was added."))
        return redirect("guide_staff:build_procedure", slug=slug, key=added)
    messages.success(request, _("The guide was saved."))
    return redirect("guide_staff:build", slug=slug)
