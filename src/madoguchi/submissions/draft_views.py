"""Continuing later: the resume link, the 一時保存 page and the 「続きから」 cookie.

A draft is found by its secret resume token. This browser remembers the tokens of the
drafts it worked on in a signed cookie (one per procedure, for the drafts' lifetime), so
that the procedure's start page can offer 「続きから」 without the resident keeping the link.
The cookie is HttpOnly and holds nothing but form ids and tokens; a card-verified draft
still asks for the card login again in a new session (see resident_session).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from madoguchi.core.ratelimit import allow
from madoguchi.forms.models import Form

from . import navigation, selectors, services
from .models import Draft
from .views.access import open_draft

DRAFTS_COOKIE = "madoguchi_drafts"
DRAFTS_COOKIE_SALT = "madoguchi.submissions.drafts"
# Procedures remembered per browser; the oldest is forgotten first.
MAX_REMEMBERED_DRAFTS = 10


def _remembered(request: HttpRequest) -> dict[str, str]:
    """form id → resume token of the drafts this browser worked on."""
    try:
        raw = request.get_signed_cookie(
            DRAFTS_COOKIE,
            default="",
            salt=DRAFTS_COOKIE_SALT,
            max_age=settings.MADOGUCHI_DRAFT_DAYS * 86400,
        )
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def remember_draft(
    request: HttpRequest, response: HttpResponse, draft: Draft, token: str
) -> HttpResponse:
    """Let this browser's start page offer 「続きから」 for ``draft``."""
    remembered = _remembered(request)
    key = str(draft.form_version.form_id)
    if remembered.get(key) == token:
        return response
    remembered.pop(key, None)
    kept = list(remembered.items())[-(MAX_REMEMBERED_DRAFTS - 1) :]
    response.set_signed_cookie(
        DRAFTS_COOKIE,
        json.dumps(dict([*kept, (key, token)])),
        salt=DRAFTS_COOKIE_SALT,
        max_age=settings.MADOGUCHI_DRAFT_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def draft_to_continue(request: HttpRequest, form: Form) -> str | None:
    """The resume URL of this browser's live draft of ``form``, if there is one."""
    token = _remembered(request).get(str(form.pk))
    if not token:
        return None
    try:
        draft = selectors.draft_by_token(token)
    except Draft.DoesNotExist:
        return None
    if draft.form_version.form_id != form.pk:
        return None
    return reverse("submissions:resume", kwargs={"token": token})


def resume_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("submissions:resume", kwargs={"token": token}))


def continue_at(draft: Draft, token: str) -> str:
    """Where the resume link leads: a page with unchecked answers, the first page still to
    answer, or the review."""
    index = navigation.step_to_resume(draft)
    if index is None:
        return reverse("submissions:review", kwargs={"token": token})
    return reverse("submissions:step", kwargs={"token": token, "number": index + 1})


@require_GET
def resume(request: HttpRequest, token: str) -> HttpResponse:
    """``/apply/<token>/``: the resume link itself."""
    draft = open_draft(request, token)  # receipt redirect, card check
    if isinstance(draft, HttpResponse):
        return draft
    return remember_draft(request, redirect(continue_at(draft, token)), draft, token)


def _saved_context(request: HttpRequest, draft: Draft, token: str) -> dict[str, Any]:
    language = get_language() or "ja"
    schema = draft.form_version.schema
    try:
        number = int(request.GET.get("step", ""))
    except ValueError:
        number = 0
    if 1 <= number <= len(schema.steps):
        back = reverse("submissions:step", kwargs={"token": token, "number": number})
    else:
        back = continue_at(draft, token)
    return {
        "draft": draft,
        "token": token,
        "title": schema.title.get(language),
        "municipality": draft.form_version.form.municipality.localized_name(language),
        "resume_url": resume_url(request, token),
        "back_url": back,
        "unchecked": bool(draft.typed),
        "email": "",
        "email_error": "",
        "errors": [],
    }


@require_http_methods(["GET", "POST"])
def saved(request: HttpRequest, token: str) -> HttpResponse:
    """一時保存 done: the resume link, and a form to email it."""
    draft = open_draft(request, token)  # receipt redirect, card check
    if isinstance(draft, HttpResponse):
        return draft
    context = _saved_context(request, draft, token)
    status = 200
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        context["email"] = email
        try:
            validate_email(email)
        except ValidationError:
            context["email_error"] = _(
                "Enter an email address in the correct format, like name@example.jp."
            )
            status = 422
        if not context["email_error"]:
            if not allow(request, "resume_email"):
                return render(request, "core/too_many_requests.html", status=429)
            services.send_resume_link(
                draft=draft,
                url=context["resume_url"],
                email=email,
                language=get_language() or "ja",
            )
            context["sent_to"] = email
            context["email"] = ""
        else:
            context["errors"] = [
                {
                    "url": "#resume-email",
                    "label": _("Email address"),
                    "message": context["email_error"],
                }
            ]
    page = render(request, "submissions/saved.html", context, status=status)
    return remember_draft(request, page, draft, token)
