"""The resident's guide: questions on one page (conditions applied on the server, a GET
form, so it works without JavaScript and sets no cookie), the result, and the counted
redirect of each channel button."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from madoguchi.forms.schema import LocalizedText

from . import rules, selectors, services
from .models import Guide
from .schema import GuideDefinition, Procedure


def _language() -> str:
    return get_language() or "ja"


def _text(text: LocalizedText | None) -> str:
    return text.get(_language()) if text is not None else ""


def _channel_label(channel: str) -> str:
    labels = {"online": _("Online"), "mail": _("By post"), "counter": _("At the counter")}
    return labels.get(channel, channel)


def _guide(lg_code: str, slug: str) -> Guide:
    try:
        return selectors.published_guide(lg_code=lg_code, slug=slug)
    except Guide.DoesNotExist as error:
        raise Http404 from error


def questions_context(
    definition: GuideDefinition, evaluation: rules.Evaluation, *, asked: set[str]
) -> list[dict[str, Any]]:
    """The applicable questions as the template shows them, each with its answer and error."""
    shown = []
    for question in evaluation.questions:
        answer = evaluation.answers.get(question.key)
        if question.kind == "yes_no":
            options = [("yes", _("Yes")), ("no", _("No"))]
            chosen = {"yes" if answer is True else "no" if answer is False else ""}
        else:
            options = [(o.value, _text(o.label)) for o in question.options]
            chosen = set(answer) if isinstance(answer, list) else {str(answer or "")}
        shown.append(
            {
                "key": question.key,
                "text": _text(question.text),
                "help": _text(question.help),
                "multiple": question.kind == "multiple",
                "options": [(v, label, v in chosen) for v, label in options],
                "error": question.key in evaluation.missing and question.key in asked,
            }
        )
    return shown


def procedure_context(
    guide: Guide, procedure: Procedure, *, preview: bool = False
) -> dict[str, Any]:
    lg_code = guide.municipality.lg_code
    return {
        "key": procedure.key,
        "title": _text(procedure.title),
        "what": _text(procedure.what),
        "who": _text(procedure.who),
        "deadline": _text(procedure.deadline),
        "bring": [_text(item) for item in procedure.bring],
        "fee": _text(procedure.fee),
        "external": procedure.external,
        "channel": _channel_label(procedure.channel) if procedure.channel else "",
        "site": _text(procedure.site),
        "links": [
            {
                "event": item.event,
                # A staff preview links straight to the target and counts nothing.
                "url": item.target
                if preview
                else reverse("guide:go", args=[lg_code, guide.slug, procedure.key, item.event]),
            }
            for item in selectors.links(guide, procedure)
        ],
    }


@require_GET
def guide(request: HttpRequest, lg_code: str, slug: str) -> HttpResponse:
    return render_guide(request, _guide(lg_code, slug), preview=False)


def render_guide(request: HttpRequest, found: Guide, *, preview: bool) -> HttpResponse:
    """The questions, or the result once every applicable question is answered.

    A staff preview (any guide, published or not) counts nothing and links directly."""
    definition = found.parsed
    submitted = {key: request.GET.getlist(key) for key in request.GET}
    evaluation = rules.evaluate(definition, submitted)
    asked = set(request.GET.getlist("asked"))
    context: dict[str, Any] = {
        "guide": found,
        "municipality": found.municipality.localized_name(_language()),
        "title": _text(definition.title),
        "intro": _text(definition.intro),
        "preview": preview,
        "page_url": request.path,
    }
    if asked and evaluation.complete and "edit" not in request.GET:
        procedures = rules.applicable_procedures(definition, evaluation.answers)
        if not preview:
            for procedure in procedures:
                services.count(guide=found, procedure=procedure.key, event="shown")
        context["procedures"] = [procedure_context(found, p, preview=preview) for p in procedures]
        context["change_query"] = request.GET.urlencode()
        return render(request, "guide/result.html", context)
    errors = asked and any(key in asked for key in evaluation.missing)
    context["questions"] = questions_context(definition, evaluation, asked=asked)
    context["errors"] = errors
    return render(request, "guide/questions.html", context, status=400 if errors else 200)


@require_GET
def go(request: HttpRequest, lg_code: str, slug: str, procedure: str, event: str) -> HttpResponse:
    """Count one followed button, then go where the guide definition says: never a URL the
    request carries, so this is no open redirect."""
    found = _guide(lg_code, slug)
    target = selectors.link(found, procedure, event)
    if target is None:
        raise Http404
    services.count(guide=found, procedure=procedure, event=event)
    response = HttpResponseRedirect(target.target)
    response["Referrer-Policy"] = "no-referrer"
    return response
