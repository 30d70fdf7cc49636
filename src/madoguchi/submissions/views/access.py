"""A draft behind its resume link: the look-up every page of the flow starts with.

Once a draft was sent from this browser its link shows the receipt instead; a
card-verified draft opened in another session asks for the card login again and shows
nothing of itself until then (resident_session). Corrections reuse the card-again page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.forms.models import FormVersion
from madoguchi.identity import csp as identity_csp
from madoguchi.identity import oidc as identity_oidc
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import VerifiedIdentity

from .. import pending_links, resident_session, selectors, services
from ..models import Draft, Submission


def current_language() -> str:
    return get_language() or "ja"


def _receipts(request: HttpRequest) -> dict[str, str]:
    """Submissions made from this browser session: draft token hash → submission id."""
    return selectors.session_receipts(request.session)


def remember_receipt(request: HttpRequest, token: str, submission: Submission) -> None:
    """Let this browser see the receipt of what it just sent (also after signing)."""
    resident_session.remember_receipt(
        request.session, services.hash_token(token), str(submission.public_id)
    )


def open_draft(request: HttpRequest, token: str) -> Draft | HttpResponse:
    """The draft behind a resume link; or, once it was sent from this browser, its receipt.

    A double click on "send" or the back button after sending then lands on the
    confirmation instead of an error page. A card-verified draft opened in another
    session shows nothing of itself until the card login is repeated here.
    """
    try:
        draft = selectors.draft_by_token(token)
    except Draft.DoesNotExist as error:
        public_id = selectors.session_receipts(request.session).get(services.hash_token(token))
        if public_id:
            return redirect("submissions:done", public_id=public_id)
        # A draft made into a mail-in paper lives on as that paper, behind the same link.
        pending = pending_links.page_for(token)
        if pending is not None:
            return redirect(pending)
        raise Http404 from error
    if resident_session.needs_card_again(request.session, draft):
        return card_again_page(request, draft, token)
    return draft


def card_again_page(
    request: HttpRequest, draft: Draft, token: str, *, error: str = "", status: int = 403
) -> HttpResponse:
    """Asks for the card login again; shows nothing of the draft's answers."""
    assert draft.identity is not None
    return verify_again_page(
        request,
        identity=draft.identity,
        form_version=draft.form_version,
        action=reverse("submissions:verify_again", args=[token]),
        error=error,
        status=status,
    )


def verify_again_page(
    request: HttpRequest,
    *,
    identity: VerifiedIdentity,
    form_version: FormVersion,
    action: str,
    correction: bool = False,
    error: str = "",
    status: int = 403,
) -> HttpResponse:
    """The page that asks for the card login again, for a draft or a correction.

    Only the procedure and the provider are named: nothing of the answers, the card's
    data, the receipt number or the department's message.
    """
    language = current_language()
    provider = identity.provider
    page = render(
        request,
        "submissions/card_again.html",
        {
            "title": form_version.schema.title.get(language),
            "municipality": form_version.form.municipality.localized_name(language),
            "action": action,
            "correction": correction,
            "provider_name": provider.localized_name(language),
            "available": provider.enabled,
            "error": error,
        },
        status=status,
    )
    # The button's POST is answered with a redirect to the provider, another origin.
    return identity_csp.allow_provider_redirects(page, [provider] if provider.enabled else [])


def start_login_again(
    request: HttpRequest,
    identity: VerifiedIdentity,
    *,
    next_key: str,
    purpose: str,
    level: str,
    again: Callable[[str, int], HttpResponse],
) -> HttpResponse:
    """Send the resident to ``identity``'s provider to log in with the card again.

    ``again(error, status)`` shows the verify-again page with what went wrong.
    """
    if not allow(request, "draft_start"):
        return render(request, "core/too_many_requests.html", status=429)
    provider = identity.provider
    if not provider.enabled:
        raise Http404
    try:
        url = identity_services.begin_login(
            request, provider, next_key=next_key, purpose=purpose, level=level
        )
    except identity_oidc.LoginFailed:
        message = _(
            "The identity service cannot be reached right now. Please try again in a few minutes."
        )
        return again(message, 503)
    return redirect(url)


@require_POST
def verify_again(request: HttpRequest, token: str) -> HttpResponse:
    """Repeat the card login for a card-verified draft opened in this session."""
    try:
        draft = selectors.draft_by_token(token)
    except Draft.DoesNotExist as error:
        raise Http404 from error
    if not resident_session.needs_card_again(request.session, draft):
        return redirect("submissions:step", token=token, number=1)
    assert draft.identity is not None
    return start_login_again(
        request,
        draft.identity,
        next_key=token,
        purpose="draft",
        level=draft.form_version.schema.identity,
        again=lambda error, status: card_again_page(
            request, draft, token, error=error, status=status
        ),
    )


def locked_values(draft: Draft) -> dict[str, Any]:
    """Answers fixed by the verified identity (My Number Card): shown, not editable."""
    return identity_services.locked_answers(draft.form_version.schema, draft.identity)
