"""The resident's page (マイページ): their submissions, receipts and access history.

A resident logs in with their My Number Card through the same identity flow as a form.
The session then remembers only the provider and the hashed subject; submissions are
found through the identities they were made with.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core import events
from madoguchi.core.ratelimit import allow
from madoguchi.identity import csp as identity_csp
from madoguchi.identity import oidc as identity_oidc
from madoguchi.identity import selectors as identity_selectors
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import IdentityProvider
from madoguchi.tenants.models import Municipality

from . import (
    access_history,
    downloads,
    mypage_drafts,
    navigation,
    resident_session,
    selectors,
)
from .models import Draft, ResultDocument, Submission

# How long a resident stays logged in on their page without activity.
RESIDENT_SESSION_SECONDS = 30 * 60

EVENT_LABELS = {
    events.Event.SUBMITTED: gettext_lazy("You sent the application"),
    events.Event.SIGNED: gettext_lazy("You signed the application"),
    events.Event.RECEIPT_ISSUED: gettext_lazy("Receipt issued"),
    events.Event.STAFF_VIEWED: gettext_lazy("Viewed by staff"),
    events.Event.STATUS_CHANGED: gettext_lazy("Status changed"),
    events.Event.EXPORTED: gettext_lazy("Exported for processing"),
    events.Event.RESULT_DELIVERED: gettext_lazy("Result delivered"),
    events.Event.SYSTEM_FETCHED: gettext_lazy("Taken by a back-office system"),
    events.Event.SYSTEM_ACKNOWLEDGED: gettext_lazy("A back-office system confirmed receipt"),
    events.Event.MAIL_PREPARED: gettext_lazy("You made the application form for posting"),
    events.Event.MAIL_ARRIVED: gettext_lazy("Your posted application arrived"),
    events.Event.COUNTER_PREREGISTERED: gettext_lazy("You pre-registered for the counter"),
    events.Event.COUNTER_CHECKED_IN: gettext_lazy(
        "Your pre-registration was brought up at the counter"
    ),
    events.Event.COUNTER_ACCEPTED: gettext_lazy("Confirmed at the counter"),
}


def history_rows(submissions: list[Submission], *, language: str) -> list[dict[str, Any]]:
    """The access history (やりとり履歴) of these submissions, newest first, for the
    resident's own eyes only (My page, the status page)."""
    history: list[dict[str, Any]] = [
        {
            "at": record.at,
            "receipt_number": record.receipt_number,
            # What a back-office system did reads as the system's act (access_history).
            "action": (record.by_system and access_history.system_label(record.event))
            or EVENT_LABELS.get(events.Event(record.event), record.event),
            "actor": _("You") if record.by_resident else record.department or _("City office"),
            # Successive views grouped into one line (selectors.group_views).
            "count": record.count,
            "first_at": record.first_at,
        }
        for record in selectors.access_history(submissions, language=language)
    ]
    # An export is one ledger event for many submissions; which ones it held is kept
    # beside the export (an app above this one), which registers as a source.
    receipt_numbers = {submission.pk: submission.receipt_number for submission in submissions}
    history += [
        {
            "at": sourced.at,
            "receipt_number": receipt_numbers[sourced.submission_id],
            "action": EVENT_LABELS.get(sourced.event, sourced.event),
            "actor": sourced.actor,
        }
        for sourced in access_history.sourced_events(submissions, language=language)
    ]
    history.sort(key=lambda item: item["at"], reverse=True)
    return history


def _municipality(lg_code: str) -> Municipality:
    try:
        return Municipality.objects.get(lg_code=lg_code)
    except Municipality.DoesNotExist as error:
        raise Http404 from error


def _language() -> str:
    return get_language() or "ja"


@never_cache
@require_GET
def mypage(request: HttpRequest, lg_code: str) -> HttpResponse:
    municipality = _municipality(lg_code)
    language = _language()
    resident = selectors.logged_in_resident(request.session)
    providers = identity_selectors.providers_for(municipality, mynumber_only=True)
    if resident is None or not providers.filter(pk=resident[0]).exists():
        page = render(
            request,
            "submissions/mypage_login.html",
            {
                "municipality": municipality,
                "municipality_name": municipality.localized_name(language),
                "providers": [(p.key, p.localized_name(language)) for p in providers],
            },
        )
        # The login buttons POST to mypage_login, which redirects to the provider.
        return identity_csp.allow_provider_redirects(page, providers)
    submissions = list(selectors.resident_submissions(*resident))
    rows = [
        {
            "submission": submission,
            "title": submission.form_version.schema.title.get(language),
            "department": submission.department.localized_name(language),
            "receipt_url": reverse("documents:receipt_pdf", args=[submission.public_id]),
            "results": list(submission.result_documents.all()),
        }
        for submission in submissions
    ]
    history = history_rows(submissions, language=language)
    drafts = [
        {
            "draft": draft,
            "title": draft.form_version.schema.title.get(language),
        }
        for draft in mypage_drafts.drafts_of(*resident, municipality_id=municipality.pk)
    ]
    return render(
        request,
        "submissions/mypage.html",
        {
            "municipality": municipality,
            "municipality_name": municipality.localized_name(language),
            "rows": rows,
            "drafts": drafts,
            "history": history,
        },
    )


@require_POST
def mypage_login(request: HttpRequest, lg_code: str) -> HttpResponse:
    municipality = _municipality(lg_code)
    if not allow(request, "draft_start"):
        return render(request, "core/too_many_requests.html", status=429)
    providers = identity_selectors.providers_for(municipality, mynumber_only=True)
    provider = providers.filter(key=request.POST.get("provider", "")).first()
    if provider is None:
        return redirect("submissions:mypage", lg_code=lg_code)
    try:
        url = identity_services.begin_login(
            request, provider, next_key=municipality.lg_code, purpose="mypage"
        )
    except identity_oidc.LoginFailed:
        return render(
            request,
            "identity/failed.html",
            {
                "message": _(
                    "The identity service cannot be reached right now. "
                    "Please try again in a few minutes."
                ),
                "retry_url": reverse("submissions:mypage", args=[lg_code]),
            },
            status=503,
        )
    return redirect(url)


@require_POST
def mypage_logout(request: HttpRequest, lg_code: str) -> HttpResponse:
    """Log out: the whole session ends, so nothing it granted stays reachable from this
    browser (receipts of earlier submissions, card-verified drafts)."""
    request.session.flush()
    return redirect("submissions:mypage", lg_code=lg_code)


@identity_services.on_login("mypage")
def finish_mypage_login(
    request: HttpRequest, provider: IdentityProvider, pending: identity_oidc.PendingLogin
) -> HttpResponse:
    """The identity callback for a resident logging in to their page."""
    retry = reverse("submissions:mypage", args=[provider.municipality.lg_code])
    try:
        identity = identity_services.finish_login(provider, pending, request.GET)
    except identity_oidc.ProviderDeclined as declined:
        return render(
            request,
            "identity/failed.html",
            {
                "message": _(
                    "The identity check was cancelled or your card could not be used. "
                    "You can try again."
                ),
                "detail": declined.description,
                "retry_url": retry,
            },
            status=400,
        )
    except identity_oidc.LoginFailed as failure:
        return render(
            request,
            "identity/failed.html",
            {"message": identity_services.failure_message(failure), "retry_url": retry},
            status=400,
        )
    # A new session key on login, so that a planted session id is worth nothing.
    request.session.cycle_key()
    request.session[selectors.SESSION_RESIDENT] = {
        "provider": provider.pk,
        "subject": identity.subject,
    }
    request.session.set_expiry(RESIDENT_SESSION_SECONDS)
    events.record(
        events.Event.RESIDENT_LOGIN,
        actor=events.pseudonym("person", identity.subject),
        subject=f"municipality:{provider.municipality.lg_code}",
    )
    return redirect(retry)


@never_cache
@require_GET
def result_download(request: HttpRequest, lg_code: str, pk: int) -> FileResponse:
    """A delivered result, for the applicant only (card login or the browser that applied)."""
    try:
        document = ResultDocument.objects.select_related("submission__identity").get(
            pk=pk, submission__municipality__lg_code=lg_code
        )
    except ResultDocument.DoesNotExist as error:
        raise Http404 from error
    if not selectors.visible_to_resident(request.session, document.submission):
        raise Http404
    return downloads.result_download(document)


@require_POST
def continue_draft(request: HttpRequest, lg_code: str, pk: int) -> HttpResponse:
    """「続きから入力する」 on My page: a new resume link for the logged-in person's draft."""
    municipality = _municipality(lg_code)
    resident = selectors.logged_in_resident(request.session)
    if resident is None:
        return redirect("submissions:mypage", lg_code=lg_code)
    try:
        draft = mypage_drafts.drafts_of(*resident, municipality_id=municipality.pk).get(pk=pk)
    except Draft.DoesNotExist as error:
        raise Http404 from error
    token = mypage_drafts.reissue_link(draft)
    resident_session.bind_identity(request.session, draft)
    unfinished = navigation.first_unfinished_step(draft)
    if unfinished is None:
        return redirect("submissions:review", token=token)
    return redirect("submissions:step", token=token, number=unfinished + 1)
