"""The resident's side of 差し戻し: read the reason, fix the reopened answers, resend."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.forms import rendering
from madoguchi.forms.schema import LocalizedText, Step

from . import selectors, workflow
from .models import Correction


def _correction(token: str) -> Correction:
    try:
        return workflow.open_correction(token)
    except Correction.DoesNotExist as error:
        raise Http404 from error


def _context(
    correction: Correction, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    submission = correction.submission
    schema = submission.form_version.schema
    language = get_language() or "ja"
    reopened = Step(
        key="correction",
        title=LocalizedText(ja="修正", en="Correction"),
        fields=[schema.field(key) for key in correction.fields],
    )
    fields = rendering.step_views(
        reopened, values=values, errors=errors, answers=submission.answers | values
    )
    attachments = {a.field_key: a for a in submission.attachments.all()}
    for view in fields:
        if view.type == "file":
            view.extra["attachment"] = attachments.get(view.key)
    kept = [
        {
            "title": section.title,
            "rows": [row for row in section.rows if row["key"] not in correction.fields],
        }
        for section in rendering.answer_sections(schema, submission.answers, answered_only=True)
    ]
    return {
        "correction": correction,
        "submission": submission,
        "title": schema.title.get(language),
        "municipality": submission.municipality.localized_name(language),
        "fields": fields,
        "errors": [(f, e) for f in fields for e in f.errors],
        "kept": [section for section in kept if section["rows"]],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest, token: str) -> HttpResponse:
    fix = _correction(token)
    submission = fix.submission
    if request.method == "GET":
        return render(
            request, "submissions/correction.html", _context(fix, dict(submission.answers), {})
        )
    try:
        result = workflow.resubmit(correction=fix, data=request.POST, files=request.FILES)
    except workflow.WorkflowRefused as refused:
        context = _context(fix, dict(submission.answers), {})
        context["refused"] = refused.message
        return render(request, "submissions/correction.html", context, status=409)
    if not result.ok:
        return render(
            request,
            "submissions/correction.html",
            _context(fix, result.entered, result.errors),
            status=422,
        )
    receipts = list(selectors.session_receipts(request.session).items())[-19:]
    request.session[selectors.SESSION_RECEIPTS] = dict(
        [*receipts, (f"correction:{fix.pk}", str(submission.public_id))]
    )
    return redirect("submissions:done", public_id=submission.public_id)
