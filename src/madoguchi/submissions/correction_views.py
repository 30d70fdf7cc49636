"""The resident's side of 差し戻し: read the reason, fix the reopened answers, resend.

The correction link of a card-verified submission is not enough on its own: like a
draft's resume link (resident_session), it opens only in a browser session that did a
card login for the applicant; elsewhere it asks for that login first and shows nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, override, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.forms import rendering
from madoguchi.forms.schema import FileField, LocalizedText, Step
from madoguchi.identity import csp as identity_csp
from madoguchi.identity import oidc as identity_oidc
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import IdentityProvider

from . import corrections, resident_session, signing, workflow
from .models import Correction
from .views import access
from .views.steps import upload_limit_message

logger = logging.getLogger("madoguchi.submissions")

# The purpose of the card login that unlocks a correction in another browser.
CORRECTION_LOGIN = "correction"


def _correction(token: str) -> Correction:
    try:
        return corrections.open_correction(token)
    except Correction.DoesNotExist as error:
        raise Http404 from error


def _context(
    correction: Correction, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    submission = correction.submission
    schema = submission.form_version.schema
    language = get_language() or "ja"
    with override("ja"):
        title_ja = pgettext("correction step title", "Correction")
    reopened = Step(
        key="correction",
        title=LocalizedText(ja=title_ja, en="Correction"),
        fields=[schema.field(key) for key in correction.fields],
    )
    fields = rendering.step_views(
        reopened, values=values, errors=errors, answers=submission.answers | values
    )
    sealed = corrections.is_sealed(correction)
    # A file already sent for this correction shows instead of the submission's own (a
    # sealed application's own files are ciphertext: they are chosen again).
    own = [] if sealed else submission.attachments.all()
    attachments = {a.field_key: a for a in own} | {
        a.field_key: a for a in correction.pending_attachments.all()
    }
    for view in fields:
        if isinstance(schema.field(view.key), FileField):  # a photo is a file too
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
        "sealed": sealed,
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
    if resident_session.correction_needs_card_again(request.session, correction):
        # Callers check first and offer the card login; nothing is shown here either way.
        raise PermissionDenied
    # Back from the review page: what the applicant typed is held on the correction.
    held = correction.pending_answers or correction.submission.answers
    context = _context(correction, values or dict(held), errors or {})
    context["refused"] = problem
    context["needs_signature"] = corrections.needs_signature(correction)
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
    if resident_session.correction_needs_card_again(request.session, fix):
        return card_again_page(request, fix, token)
    if request.method == "GET":
        return correction_page(request, fix)
    if request.FILES and not allow(request, "upload"):
        errors = {key: [upload_limit_message()] for key in request.FILES}
        return correction_page(request, fix, errors=errors, status=429)
    result = corrections.check_correction(correction=fix, data=request.POST, files=request.FILES)
    if not result.ok:
        return correction_page(
            request,
            fix,
            values=result.entered,
            errors=result.errors,
            status=503 if result.retry_later else 422,
        )
    if corrections.is_sealed(fix):
        # Sent at once and sealed: held for a review page, the new answers would wait here
        # in clear (and there is no "before" to compare them with).
        try:
            corrections.apply_correction(correction=fix, answers=result.answers)
        except workflow.WorkflowRefused as refused:
            return correction_page(
                request, fix, values=result.entered, problem=refused.message, status=409
            )
        remember_correction(request, fix)
        return redirect("submissions:done", public_id=fix.submission.public_id)
    # Checked answers wait on the correction for the applicant to review; nothing is sent
    # and the link stays valid until they send it from the review page.
    corrections.hold_for_signature(correction=fix, answers=result.answers)
    return redirect("submissions:correction_review", token=token)


def review_page(
    request: HttpRequest,
    correction: Correction,
    token: str,
    *,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    submission = correction.submission
    language = get_language() or "ja"
    signed = corrections.needs_signature(correction)
    page = render(
        request,
        "submissions/correction_review.html",
        {
            "correction": correction,
            "submission": submission,
            "title": submission.form_version.schema.title.get(language),
            "municipality": submission.municipality.localized_name(language),
            "changes": corrections.answer_changes(
                correction, correction.pending_answers, language=language
            ),
            "needs_signature": signed,
            "refused": problem,
            "token": token,
        },
        status=status,
    )
    identity = submission.identity
    return identity_csp.allow_provider_redirects(
        page, [identity.provider] if signed and identity else []
    )


@never_cache
@require_http_methods(["GET", "POST"])
def correction_review(request: HttpRequest, token: str) -> HttpResponse:
    """Check your answers before the correction is sent: before → after of each change."""
    fix = _correction(token)
    if resident_session.correction_needs_card_again(request.session, fix):
        return card_again_page(request, fix, token)
    if not fix.pending_answers:
        return redirect("submissions:correction", token=token)
    if request.method == "GET":
        return review_page(request, fix, token)
    held = corrections.recheck_held(fix)
    if not held.ok:
        return correction_page(
            request,
            fix,
            problem=_("Your answers changed meanwhile. Check them again, then send."),
            status=409,
        )
    try:
        if corrections.needs_signature(fix):
            # Signed again at the Digital Authentication App; the signing step shows this
            # page again itself when signing cannot start (madoguchi.signatures).
            return signing.begin_correction_signing(request, fix, token)
        corrections.apply_correction(correction=fix, answers=held.answers)
    except workflow.WorkflowRefused as refused:
        return review_page(request, fix, token, problem=refused.message, status=409)
    remember_correction(request, fix)
    return redirect("submissions:done", public_id=fix.submission.public_id)


def card_again_page(
    request: HttpRequest, correction: Correction, token: str, *, error: str = "", status: int = 403
) -> HttpResponse:
    """Asks for the card login again; shows nothing of the submission or the correction."""
    identity = correction.submission.identity
    assert identity is not None
    return access.verify_again_page(
        request,
        identity=identity,
        form_version=correction.submission.form_version,
        action=reverse("submissions:correction_verify_again", args=[token]),
        correction=True,
        error=error,
        status=status,
    )


@require_POST
def verify_again(request: HttpRequest, token: str) -> HttpResponse:
    """Repeat the card login for a correction of a card-verified submission."""
    fix = _correction(token)
    if not resident_session.correction_needs_card_again(request.session, fix):
        return redirect("submissions:correction", token=token)
    identity = fix.submission.identity
    assert identity is not None
    return access.start_login_again(
        request,
        identity,
        next_key=token,
        purpose=CORRECTION_LOGIN,
        level=fix.submission.form_version.schema.identity,
        again=lambda error, status: card_again_page(
            request, fix, token, error=error, status=status
        ),
    )


def _login_failed(request: HttpRequest, message: str, retry: str, detail: str = "") -> HttpResponse:
    return render(
        request,
        "identity/failed.html",
        {"message": message, "detail": detail, "retry_url": retry},
        status=400,
    )


@identity_services.on_login(CORRECTION_LOGIN)
def finish_card_again(
    request: HttpRequest, provider: IdentityProvider, pending: identity_oidc.PendingLogin
) -> HttpResponse:
    """The identity callback of a correction's card login: only the applicant unlocks it."""
    token = pending.next_key
    fix = _correction(token)
    retry = reverse("submissions:correction", args=[token])
    applicant = fix.submission.identity
    if applicant is None:
        return redirect(retry)
    # The level comes from the submission's form, not from what the session remembered.
    pending = dataclasses.replace(pending, level=fix.submission.form_version.schema.identity)
    try:
        identity = identity_services.finish_login(provider, pending, request.GET)
    except identity_oidc.ProviderDeclined as declined:
        message = _(
            "The identity check was cancelled or your card could not be used. You can try again."
        )
        return _login_failed(request, message, retry, declined.description)
    except identity_oidc.LoginFailed as failure:
        return _login_failed(request, identity_services.failure_message(failure), retry)
    if not resident_session.same_person(applicant, identity):
        logger.warning("correction %s: a card login of another person was refused", fix.pk)
        message = _(
            "This application was sent with another person's My Number Card, so it cannot be "
            "corrected with this card. Open the link in the applicant's browser, or log in "
            "with the applicant's card."
        )
        return _login_failed(request, message, retry)
    # A new session key on login, so that a planted session id is worth nothing.
    request.session.cycle_key()
    resident_session.remember_person(request.session, identity)
    return redirect(retry)
