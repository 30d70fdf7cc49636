"""The provider's callback, and the relying party's public keys."""

from __future__ import annotations

import dataclasses

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from madoguchi.submissions import resident_session
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Draft

from . import oidc, services
from .models import IdentityProvider

# What the resident is told when the provider ends the login with an error.
_CANCELLED = gettext_lazy(
    "The identity check was cancelled or your card could not be used. "
    "You can try again, or apply without the card where the form allows it."
)


def _failure(request: HttpRequest, message: str, *, retry_url: str = "") -> HttpResponse:
    return render(
        request,
        "identity/failed.html",
        {"message": message, "retry_url": retry_url},
        status=400,
    )


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    pending = services.take_pending(request, request.GET.get("state", ""))
    if pending is None:
        return _failure(
            request,
            _(
                "This identity check has expired or was already used. "
                "Start again from the application page."
            ),
        )
    handler = services.login_handler(pending.purpose)
    if handler is not None:
        try:
            provider = IdentityProvider.objects.get(pk=pending.provider_id, enabled=True)
        except IdentityProvider.DoesNotExist as error:
            raise Http404 from error
        return handler(request, provider, pending)
    try:
        provider = IdentityProvider.objects.get(pk=pending.provider_id, enabled=True)
        draft = submission_selectors.draft_by_token(pending.next_key)
    except (IdentityProvider.DoesNotExist, Draft.DoesNotExist) as error:
        raise Http404 from error
    form = draft.form_version.form
    retry = reverse("submissions:form_start", args=[form.municipality.lg_code, form.slug])
    # The level comes from the draft's form, not from what the session remembered.
    pending = dataclasses.replace(pending, level=draft.form_version.schema.identity)
    try:
        identity = services.finish_login(provider, pending, request.GET)
    except oidc.ProviderDeclined as declined:
        return render(
            request,
            "identity/failed.html",
            {"message": _CANCELLED, "detail": declined.description, "retry_url": retry},
            status=400,
        )
    except oidc.LoginFailed as failure:
        return _failure(request, services.failure_message(failure), retry_url=retry)
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
    submission_services.attach_identity(draft=draft, identity=identity)
    # The session now speaks for this person: a key planted before the login must not.
    request.session.cycle_key()
    resident_session.bind_identity(request.session, draft)
    return redirect("submissions:step", token=pending.next_key, number=1)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """Public keys of our client assertions, for registration with providers."""
    providers = list(IdentityProvider.objects.filter(enabled=True))
    return JsonResponse(services.public_jwks(providers))
