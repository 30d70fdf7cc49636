"""The resident's side of mail-in: make the paper from a draft, its page, its PDF.

Everything is reached through the secret link the resident already holds (the draft's
resume link; its hash becomes the application's and, once the paper arrives, the
submission's status link). A card-verified application shows nothing personal (the PDF
carries every answer) until this browser session did its card login, as the status page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.submissions import resident_session
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel
from madoguchi.submissions.views.access import open_draft
from madoguchi.submissions.views.review import review_page

from . import selectors, services
from .models import MailApplication, MailStatus
from .pdf import render as render_paper


def _application(token: str) -> MailApplication:
    try:
        return selectors.by_token(token)
    except MailApplication.DoesNotExist as error:
        raise Http404 from error


def page_url(token: str) -> str:
    """The application's page as written in an email."""
    return settings.MADOGUCHI_SITE_URL.rstrip("/") + reverse(
        "mail:prepared", kwargs={"token": token}
    )


@require_POST
def prepare(request: HttpRequest, token: str) -> HttpResponse:
    """「郵送用の申請書を作成」 on the review page of a draft the resident sends by post."""
    if selectors.by_token_or_none(token) is not None:  # a double click, the back button
        return redirect("mail:prepared", token=token)
    draft = open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    if draft.channel != Channel.MAIL:
        raise Http404
    if not allow(request, "draft_start"):
        return render(request, "core/too_many_requests.html", status=429)
    try:
        application = services.prepare(draft=draft, token=token)
    except submission_services.SubmissionRefused as refused:
        return review_page(request, draft, token, errors=refused.errors, status=422)
    except submission_services.FormClosed as closed:  # e.g. sealing's key is missing
        return review_page(request, draft, token, signing_error=closed.message, status=409)
    services.send_link(application=application, url=page_url(token))
    return redirect("mail:prepared", token=token)


def _context(request: HttpRequest, application: MailApplication, token: str) -> dict[str, Any]:
    language = get_language() or "ja"
    schema = application.form_version.schema
    mail = schema.mail
    department = application.department
    return {
        "application": application,
        "token": token,
        "title": schema.title.get(language),
        "municipality": application.municipality.localized_name(language),
        "department_name": department.localized_name(language),
        "postal_code": department.postal_code,
        "postal_address": department.postal_address,
        "enclosures": [text.get(language) for text in mail.enclosures] if mail else [],
        "handwritten_signature": bool(mail and mail.handwritten_signature),
        "expires_on": timezone.localtime(application.expires_at).date(),
        "locked": resident_session.needs_login_again(request.session, application.identity),
        "awaiting": application.status == MailStatus.AWAITING,
        "expired": application.status == MailStatus.EXPIRED,
    }


@never_cache
@require_GET
def prepared(request: HttpRequest, token: str) -> HttpResponse:
    """The application's page: reference, what to do next, the PDF; 「郵送待ち」 until arrival."""
    application = _application(token)
    if application.status == MailStatus.ARRIVED:
        # From here on it is a submission like any other, behind the same link.
        return redirect("submissions:status", token=token)
    return render(request, "mailin/prepared.html", _context(request, application, token))


@never_cache
@require_GET
def pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The paper to print (every answer): only while awaiting, and for a card-verified
    application only in the session that did its card login. Made anew each time, never
    stored."""
    application = _application(token)
    if application.status != MailStatus.AWAITING:
        return redirect("mail:prepared", token=token)
    if resident_session.needs_login_again(request.session, application.identity):
        return redirect("mail:prepared", token=token)
    # Sealed answers (encryption on) open with the resident's link only, here, for this PDF.
    answers = services.answers_for_paper(application, resident_token=token)
    response = HttpResponse(
        render_paper(application, answers=answers), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{application.reference}.pdf"'
    return response
