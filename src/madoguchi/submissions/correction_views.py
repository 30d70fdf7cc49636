"""The resident's side of 差し戻し: read the reason, fix the reopened answers, resend."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.core.ratelimit import allow
from madoguchi.forms import rendering
from madoguchi.forms.schema import LocalizedText, Step
from madoguchi.identity import csp as identity_csp
from madoguchi.signatures import services as signature_services

from . import resident_session, workflow
from .models import Correction
from .views import upload_limit_message


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
    # A file already sent for this correction shows instead of the submission's own.
    attachments = {a.field_key: a for a in submission.attachments.all()} | {
        a.field_key: a for a in correction.pending_attachments.all()
    }
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


def correction_page(
    request: HttpRequest,
    correction: Correction,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _context(correction, values or dict(correction.submission.answers), errors or {})
    context["refused"] = problem
    context["needs_signature"] = workflow.needs_signature(correction)
    page = render(request, "submissions/correction.html", context, status=status)
    # Resending a signed application is redirected to the card's provider to sign again.
    identity = correction.submission.identity
    signer = [identity.provider] if context["needs_signature"] and identity else []
    return identity_csp.allow_provider_redirects(page, signer)


def remember_correction(request: HttpRequest, correction: Correction) -> None:
    """Let this browser see the receipt page (and download the receipt) after resending."""
    resident_session.remember_receipt(
        request.session, f"correction:{correction.pk}", str(correction.submission.public_id)
    )


@never_cache
@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest, token: str) -> HttpResponse:
    fix = _correction(token)
    if request.method == "GET":
        return correction_page(request, fix)
    if request.FILES and not allow(request, "upload"):
        errors = {key: [upload_limit_message()] for key in request.FILES}
        return correction_page(request, fix, errors=errors, status=429)
    result = workflow.check_correction(correction=fix, data=request.POST, files=request.FILES)
    if not result.ok:
        return correction_page(
            request,
            fix,
            values=result.entered,
            errors=result.errors,
            status=503 if result.retry_later else 422,
        )
    try:
        if workflow.needs_signature(fix):
            workflow.hold_for_signature(correction=fix, answers=result.answers)
            return redirect(signature_services.begin_correction_signing(request, fix, token))
        workflow.apply_correction(correction=fix, answers=result.answers)
    except workflow.WorkflowRefused as refused:
        return correction_page(request, fix, problem=refused.message, status=409)
    except signature_services.SigningFailed as failure:
        return correction_page(request, fix, problem=str(failure.message), status=422)
    remember_correction(request, fix)
    return redirect("submissions:done", public_id=fix.submission.public_id)
