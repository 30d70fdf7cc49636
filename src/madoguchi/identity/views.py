"""The provider's callback, and the relying party's public keys."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import services
from .models import IdentityProvider


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
    # Each app that starts logins registers what happens next (services.on_login):
    # submissions for drafts and My page, signatures for signing.
    handler = services.login_handler(pending.purpose)
    if handler is None:
        raise Http404
    try:
        provider = IdentityProvider.objects.get(pk=pending.provider_id, enabled=True)
    except IdentityProvider.DoesNotExist as error:
        raise Http404 from error
    return handler(request, provider, pending)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """Public keys of our client assertions, for registration with providers."""
    providers = list(IdentityProvider.objects.filter(enabled=True))
    return JsonResponse(services.public_jwks(providers))
