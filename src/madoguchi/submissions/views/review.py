"""Check your answers, send, and the confirmation.

A form the resident signs (``identity: mynumber_sign``) is sent from the signing app's
login handler once the signature is verified: the review page hands its "send" to the
signing step registered in :mod:`..signing`, and never imports the signing code.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.forms import fees, rendering
from madoguchi.identity import csp as identity_csp

from .. import (
    fee_display,
    navigation,
    notifications,
    selectors,
    services,
    signing,
    status_panels,
    validation_hooks,
)
from ..models import Channel, Draft, Submission
from .access import current_language, open_draft, remember_receipt
from .steps import step_url


def _review_rows(draft: Draft, token: str) -> list[dict[str, Any]]:
    return [
        {
            "title": section.title,
            "rows": section.rows,
            "edit_url": step_url(token, section.step_index + 1, back_to_review=True),
        }
        for section in rendering.answer_sections(draft.form_version.schema, draft.answers)
    ]


def _fee(draft: Draft) -> fee_display.QuoteView | None:
    """What these answers cost, as the form's fee items work it out (None: no fee)."""
    schema = draft.form_version.schema
    quote = fees.quote(schema, draft.answers)
    if schema.fees is None or quote is None:
        return None
    return fee_display.quote_view(schema.fees, quote)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, token: str) -> HttpResponse:
    draft = open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    schema = draft.form_version.schema
    unfinished = navigation.step_to_resume(draft)
    if unfinished is not None:
        # Also a page saved with answers still unchecked (一時保存): checked there first.
        return redirect("submissions:step", token=token, number=unfinished + 1)
    if request.method != "POST" or draft.channel in (Channel.MAIL, Channel.COUNTER):
        # A draft for post is made into its paper by the mail-in app, one for the counter
        # into a pre-registration by the counter app (the page's button posts there),
        # never sent online from here.
        return review_page(request, draft, token)
    try:
        if schema.identity == "mynumber_sign":
            # The resident signs at the Digital Authentication App; the identity callback
            # submits the draft once the signature is verified (madoguchi.signatures). The
            # signing step shows this page again itself when signing cannot start.
            return signing.begin_signing(request, draft, token)
        submission = services.submit_draft(draft=draft)
    except services.SubmissionRefused as refused:
        # Counted like a step page's errors, without the answers (improvement analytics).
        validation_hooks.report(
            draft.form_version_id, refused.errors, draft.answers, where=validation_hooks.REVIEW
        )
        return review_page(request, draft, token, errors=refused.errors, status=422)
    except services.FormClosed as closed:
        return review_page(request, draft, token, signing_error=closed.message, status=409)
    except Draft.DoesNotExist as error:  # sent meanwhile, e.g. by a double click
        resolved = open_draft(request, token)
        if isinstance(resolved, HttpResponse):
            return resolved
        raise Http404 from error
    remember_receipt(request, token, submission)
    return redirect("submissions:done", public_id=submission.public_id)


def review_page(
    request: HttpRequest,
    draft: Draft,
    token: str,
    *,
    errors: dict[str, list[str]] | None = None,
    signing_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The review page, with answer errors or a signature failure to show (also used by
    the signing callback, which lands here when a signature is refused)."""
    schema = draft.form_version.schema
    language = current_language()
    error_list = []
    for key, field_errors in (errors or {}).items():
        try:
            form_field = schema.field(key)
        except KeyError:
            continue
        error_list += [
            {
                "label": form_field.label.get(language),
                "message": message,
                "url": reverse(
                    "submissions:step",
                    kwargs={"token": token, "number": schema.step_of(key) + 1},
                ),
            }
            for message in field_errors
        ]
    if signing_error:
        error_list.append({"label": _("Signature"), "message": signing_error, "url": "#sign"})
    by_mail = draft.channel == Channel.MAIL
    at_counter = draft.channel == Channel.COUNTER
    signing = schema.identity == "mynumber_sign" and not by_mail and not at_counter
    page = render(
        request,
        "submissions/review.html",
        {
            "draft": draft,
            "token": token,
            "title": schema.title.get(language),
            "municipality": draft.form_version.form.municipality.localized_name(language),
            "sections": _review_rows(draft, token),
            "progress": rendering.progress(schema, draft.answers, None),
            "errors": error_list,
            "signing": signing,
            "signing_error": signing_error,
            "by_mail": by_mail,
            "at_counter": at_counter,
            "fee": _fee(draft),
        },
        status=status,
    )
    # 「マイナンバーカードで署名して送信する」 is redirected to the card's provider.
    signer = [draft.identity.provider] if signing and draft.identity else []
    return identity_csp.allow_provider_redirects(page, signer)


@require_GET
def done(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # Only the browser that submitted sees the confirmation: the URL alone reveals nothing.
    if str(public_id) not in selectors.session_receipts(request.session).values():
        raise Http404
    submission = Submission.objects.select_related(
        "form_version__form", "municipality", "department"
    ).get(public_id=public_id)
    context = notifications.confirmation_context(submission, current_language())
    context["panels"] = status_panels.render(request, submission, status_panels.Where("done"))
    page = render(request, "submissions/done.html", context)
    return identity_csp.with_form_action(page, status_panels.form_action_origins(submission))


@require_POST
def discard(request: HttpRequest, token: str) -> HttpResponse:
    draft = open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    form = draft.form_version.form
    draft.delete()
    messages.info(request, _("Your unfinished application was deleted."))
    return redirect("submissions:form_start", lg_code=form.municipality.lg_code, slug=form.slug)
