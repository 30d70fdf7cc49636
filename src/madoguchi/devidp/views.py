"""HTTP endpoints of the simulated Digital Authentication App service.

The paths mirror the real service (``/api/realms/main/protocol/openid-connect/...``) so
that only the host differs between the simulator and the sandbox. The authorization
endpoint shows a "card" page standing in for the smartphone app: pick a demo resident,
enter the 4-digit PIN of the user authentication certificate.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.oauth2.rfc6749 import AccessDeniedError, OAuth2Error
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.identity.jpki import CertificateRejected

from . import keys, selectors, services
from .claims import BASIC_FOUR_SCOPES, AuthenticatedResident
from .discovery import endpoints_for, provider_metadata
from .residents import DemoResident, get_resident
from .server import DAAuthorizationCodeGrant, DAAuthorizationServer, server_for

logger = logging.getLogger("madoguchi.devidp")


@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    return JsonResponse(provider_metadata(endpoints_for(request)))


@require_GET
def realm(request: HttpRequest) -> JsonResponse:
    """The issuer URL itself answers like Keycloak's realm endpoint (without a key)."""
    endpoints = endpoints_for(request)
    return JsonResponse(
        {
            "realm": "main",
            "token-service": endpoints.token.rsplit("/", 1)[0],
            "account-service": None,
            "tokens-not-before": 0,
        }
    )


@require_GET
def certs(request: HttpRequest) -> JsonResponse:
    return JsonResponse(keys.published_jwks())


@csrf_exempt  # called server to server, authenticated by private_key_jwt
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    response: HttpResponse = server_for(request).create_token_response(request)
    return response


@csrf_exempt  # bearer-token API
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> HttpResponse:
    response: HttpResponse = server_for(request).create_endpoint_response("userinfo", request)
    return response


# --- authorization endpoint and the "card" page ------------------------------------------


@sensitive_post_parameters("pin")
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    server = server_for(request)
    try:
        grant = server.get_consent_grant(request)
    except OAuth2Error as error:
        return _request_error(request, server, error)

    if request.method == "GET":
        return _card_page(request, grant)
    action = request.POST.get("action", "authenticate")
    if action == "cancel":
        return _deny(server, grant, "The user cancelled the authentication")
    if action == "reset-cards":
        services.reset_cards()
        messages.info(request, _("All demo cards were reset: PINs unlocked, counters cleared."))
        return HttpResponseRedirect(request.get_full_path())
    return _authenticate(request, server, grant)


def _authenticate(
    request: HttpRequest, server: DAAuthorizationServer, grant: DAAuthorizationCodeGrant
) -> HttpResponse:
    resident = _chosen_resident(request)
    if resident is None:
        return _card_page(
            request, grant, errors=[_error("resident", _("Choose a demo card."))], status=422
        )
    card = next(c for c in selectors.demo_cards() if c.id == resident.id)
    if card.auth_locked:
        return _deny(server, grant, "The PIN of the user authentication certificate is locked")

    pin = request.POST.get("pin", "")
    if not services.pin_format_ok(pin, kind="authentication"):
        message = _("Enter the 4-digit PIN of the user authentication certificate.")
        return _card_page(request, grant, errors=[_error("pin", message)], status=422)

    result = services.verify_pin(resident=resident, pin=pin, kind="authentication")
    if result.locked:
        message = _(
            "The PIN was wrong 3 times and is now locked. With a real card, reset the PIN "
            "at your city office. In this simulator, use “Reset demo cards”."
        )
        return _card_page(request, grant, errors=[_error("pin", message)], status=422)
    if not result.ok:
        message = ngettext(
            "The PIN is wrong. %(count)d attempt is left before the PIN locks.",
            "The PIN is wrong. %(count)d attempts are left before the PIN locks.",
            result.remaining,
        ) % {"count": result.remaining}
        return _card_page(request, grant, errors=[_error("pin", message)], status=422)

    try:
        services.check_authentication_certificate(resident)
    except CertificateRejected as rejected:
        logger.info("devidp: demo card %s refused: certificate %s", resident.id, rejected.code)
        return _deny(server, grant, f"certificate {rejected.code.replace('_', ' ')}")

    user = AuthenticatedResident(resident, grant.request.client.client_id)
    response: HttpResponse = server.create_authorization_response(
        request, grant_user=user, grant=grant
    )
    return response


def _chosen_resident(request: HttpRequest) -> DemoResident | None:
    try:
        return get_resident(request.POST.get("resident", ""))
    except LookupError:
        return None


_FIELD_LABELS = {"resident": gettext_lazy("Demo card"), "pin": gettext_lazy("PIN")}


def _error(field: str, message: str) -> dict[str, Any]:
    """An entry for includes/error_summary.html, which links to the field."""
    anchor = "residents" if field == "resident" else field
    return {"field": field, "url": f"#{anchor}", "label": _FIELD_LABELS[field], "message": message}


def _deny(
    server: DAAuthorizationServer, grant: DAAuthorizationCodeGrant, description: str
) -> HttpResponse:
    error = AccessDeniedError(
        description=description,
        redirect_uri=grant.redirect_uri,
        state=grant.request.payload.state,
    )
    response: HttpResponse = server.handle_error_response(grant.request, error)
    return response


def _request_error(
    request: HttpRequest, server: DAAuthorizationServer, error: OAuth2Error
) -> HttpResponse:
    """Redirect the error to the client if its redirect URI is known to be registered;
    otherwise show it here: never send a browser to an unregistered address."""
    if error.redirect_uri:
        response: HttpResponse = server.handle_error_response(request, error)
        return response
    context = {"error": error.error, "description": error.get_error_description()}
    return render(request, "devidp/error.html", context, status=400)


_SCOPE_LABELS = {
    "name": gettext_lazy("Name"),
    "address": gettext_lazy("Address"),
    "birthdate": gettext_lazy("Date of birth"),
    "gender": gettext_lazy("Sex"),
}


def _card_page(
    request: HttpRequest,
    grant: DAAuthorizationCodeGrant,
    *,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    scopes = (grant.request.payload.scope or "").split()
    requested = [{"scope": s, "label": _SCOPE_LABELS[s]} for s in BASIC_FOUR_SCOPES if s in scopes]
    cards = selectors.demo_cards()
    context: dict[str, Any] = {
        "relying_party": grant.request.client,
        "requested": requested,
        "cards": cards,
        "chosen": request.POST.get("resident", "") if request.method == "POST" else "",
        "errors": errors or [],
        "field_errors": {e["field"]: e["message"] for e in errors or []},
    }
    return render(request, "devidp/authorize.html", context, status=status)
