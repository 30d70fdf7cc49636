"""The card login behind a draft: what the identity callback does when it returns.

A form that takes the My Number Card starts a login with purpose "draft" and the draft's
token as the key; identity's callback hands the result to the handler registered here
(identity sits below submissions and does not know drafts).

Invariant: a draft that already carries a card identity is unlocked only by the same person
(provider and subject); the level checked is the draft's form's, never the session's.
"""

from __future__ import annotations

import dataclasses

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.identity import oidc as identity_oidc
from madoguchi.identity import services as identity_services
from madoguchi.identity.models import IdentityProvider

from . import resident_session, selectors, services
from .models import Draft

# What the resident is told when the provider ends the login with an error.
_CANCELLED = gettext_lazy(
    "The identity check was cancelled or your card could not be used. "
    "You can try again, or apply without the card where the form allows it."
)


def _failure(request: HttpRequest, message: str, *, retry_url: str) -> HttpResponse:
    return render(
        request,
        "identity/failed.html",
        {"message": message, "retry_url": retry_url},
        status=400,
    )


@identity_services.on_login("draft")
def finish_draft_login(
    request: HttpRequest, provider: IdentityProvider, pending: identity_oidc.PendingLogin
) -> HttpResponse:
    """Attach the verified identity to the draft and continue at its first step."""
    try:
        draft = selectors.draft_by_token(pending.next_key)
    except Draft.DoesNotExist as error:
        raise Http404 from error
    form = draft.form_version.form
    retry = reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])
    # The level comes from the draft's form, not from what the session remembered.
    pending = dataclasses.replace(pending, level=draft.form_version.schema.identity)
    try:
        identity = identity_services.finish_login(provider, pending, request.GET)
    except identity_oidc.ProviderDeclined as declined:
        return render(
            request,
            "identity/failed.html",
            {"message": _CANCELLED, "detail": declined.description, "retry_url": retry},
            status=400,
        )
    except identity_oidc.LoginFailed as failure:
        return _failure(request, identity_services.failure_message(failure), retry_url=retry)
    if not resident_session.same_person(draft.identity, identity):
        # A card-verified draft opened elsewhere: only its owner may unlock it.
        return _failure(
            request,
            _(
                "This application was started with another person's My Number Card, so it "
                "cannot be continued with this card. Start a new application instead."
            ),
            retry_url=retry,
        )
    services.attach_identity(draft=draft, identity=identity)
    # The session now speaks for this person: a key planted before the login must not.
    request.session.cycle_key()
    resident_session.bind_identity(request.session, draft)
    return redirect("submissions:step", token=pending.next_key, number=1)
