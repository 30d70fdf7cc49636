"""The resident's side of the counter channel: pre-register a draft, its page, its code.

Everything is reached through the secret link the resident already holds (the draft's
resume link; its hash is the pre-registration's and, once accepted at the counter, the
submission's status link). The page shows no answer: only the reference, the code, what to
bring and how to change the answers (through the draft, until check-in).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Channel, Draft
from madoguchi.submissions.views.access import open_draft
from madoguchi.submissions.views.review import review_page

from . import qr, selectors, services
from . import reference as references
from .models import Preregistration, PreregistrationStatus
from .refusals import ChannelNotOffered


def _preregistration(token: str) -> Preregistration:
    try:
        return selectors.by_token(token)
    except Preregistration.DoesNotExist as error:
        raise Http404 from error


@require_POST
def preregister(request: HttpRequest, token: str) -> HttpResponse:
    """「窓口で手続きするために事前登録」 on the review page of a draft for the counter."""
    existing = selectors.by_token_or_none(token)
    if existing is not None and existing.status != PreregistrationStatus.WAITING:
        return redirect("counter_resident:preregistered", token=token)
    draft = open_draft(request, token)
    if isinstance(draft, HttpResponse):
        return draft
    if draft.channel != Channel.COUNTER:
        raise Http404
    if existing is None and not allow(request, "draft_start"):
        return render(request, "core/too_many_requests.html", status=429)
    try:
        # Again after an edit: the same pre-registration, now with the changed answers.
        preregistration = services.preregister(draft=draft)
    except Draft.DoesNotExist:  # checked in meanwhile at the counter
        return redirect("counter_resident:preregistered", token=token)
    except submission_services.SubmissionRefused as refused:
        return review_page(request, draft, token, errors=refused.errors, status=422)
    except ChannelNotOffered as refused:
        return review_page(request, draft, token, signing_error=str(refused), status=409)
    if existing is None:
        services.send_link(preregistration=preregistration, url=page_url(token))
    return redirect("counter_resident:preregistered", token=token)


def page_url(token: str) -> str:
    """The pre-registration's page as written in an email."""
    return settings.MADOGUCHI_SITE_URL.rstrip("/") + reverse(
        "counter_resident:preregistered", kwargs={"token": token}
    )


@never_cache
@require_GET
def preregistered(request: HttpRequest, token: str) -> HttpResponse:
    """The pre-registration's page: code, reference, what to bring; until accepted."""
    preregistration = _preregistration(token)
    submission = selectors.accepted_submission(preregistration)
    if submission is not None:
        # From here on it is a submission like any other, behind the same link.
        return redirect("submissions:status", token=token)
    language = get_language() or "ja"
    schema = preregistration.form_version.schema
    mail = schema.mail
    expired = selectors.is_expired(preregistration)
    waiting = preregistration.status == PreregistrationStatus.WAITING and not expired
    context = {
        "preregistration": preregistration,
        "token": token,
        "title": schema.title.get(language),
        "municipality": preregistration.municipality.localized_name(language),
        "department_name": preregistration.department.localized_name(language),
        "reference": references.grouped(preregistration.reference),
        "spelled": " ".join(references.grouped(preregistration.reference)),
        "qr_svg": qr.svg(
            preregistration.reference,
            label=_("Code to show at the counter (pre-registration number %(reference)s)")
            % {"reference": references.grouped(preregistration.reference)},
        )
        if waiting
        else "",
        "enclosures": [text.get(language) for text in mail.enclosures] if mail else [],
        "expires_on": timezone.localtime(preregistration.expires_at).date(),
        "waiting": waiting,
        "expired": expired,
        "checked_in": preregistration.status == PreregistrationStatus.CHECKED_IN,
        "editable": waiting and preregistration.draft_id is not None,
    }
    return render(request, "counter/preregistered.html", context)


@never_cache
@require_GET
def code_png(request: HttpRequest, token: str) -> HttpResponse:
    """The code as a PNG to save (photo album, wallet), while the pre-registration waits."""
    preregistration = _preregistration(token)
    if preregistration.status != PreregistrationStatus.WAITING or selectors.is_expired(
        preregistration
    ):
        return redirect("counter_resident:preregistered", token=token)
    response = HttpResponse(qr.png(preregistration.reference), content_type="image/png")
    name = references.grouped(preregistration.reference)
    response["Content-Disposition"] = f'attachment; filename="madoguchi-{name}.png"'
    return response
