"""HTTP endpoints of the simulated Digital Authentication App service.

The paths mirror the real service (``/api/realms/main/protocol/openid-connect/...``) so
that only the host differs between the simulator and the sandbox. The authorization
endpoint shows a "card" page standing in for the smartphone app: pick a demo resident,
enter the 4-digit PIN of the user authentication certificate.
"""

from __future__ import annotations

import json
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

from madoguchi.identity.csp import origin, with_form_action
from madoguchi.identity.jpki import CertificateRejected

from . import authorities, keys, pki, selectors, services
from .claims import BASIC_FOUR_SCOPES, AuthenticatedResident
from .discovery import endpoints_for, provider_metadata
from .residents import DemoResident, get_resident
from .server import DAAuthorizationCodeGrant, DAAuthorizationServer, server_for

logger = logging.getLogger("madoguchi.simulators.idp")


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
    if action == "cancel" and _is_signing(grant):
        return _deny(server, grant, "The user cancelled the signature")
    if action == "cancel":
        return _deny(server, grant, "The user cancelled the authentication")
    if action == "reset-cards":
        services.reset_cards()
        messages.info(request, _("All demo cards were reset: PINs unlocked, counters cleared."))
        return HttpResponseRedirect(request.get_full_path())
    if _is_signing(grant):
        return _sign(request, server, grant)
    return _authenticate(request, server, grant)


def _is_signing(grant: DAAuthorizationCodeGrant) -> bool:
    return "sign" in (grant.request.payload.scope or "").split()


def _sign(
    request: HttpRequest, server: DAAuthorizationServer, grant: DAAuthorizationCodeGrant
) -> HttpResponse:
    """The card signs with the signature certificate's key after the signing PIN.

    Unlike authentication, a revoked or expired certificate does not stop the card:
    judging the certificate is the relying party's job (CRL), as with a real card.
    """
    resident = _unlocked_card(request, server, grant, kind="signing")
    if isinstance(resident, HttpResponse):
        return resident
    try:
        services.sign_with_card(
            transaction_id=str(grant.request.payload.data.get("sign_transaction_id", "")),
            client=grant.request.client,
            resident=resident,
        )
    except services.SignRequestRefused as error:
        return _deny(server, grant, error.description)
    return _authorized(request, server, grant, resident)


def _authenticate(
    request: HttpRequest, server: DAAuthorizationServer, grant: DAAuthorizationCodeGrant
) -> HttpResponse:
    resident = _unlocked_card(request, server, grant, kind="authentication")
    if isinstance(resident, HttpResponse):
        return resident
    try:
        services.check_authentication_certificate(resident)
    except CertificateRejected as rejected:
        logger.info("devidp: demo card %s refused: certificate %s", resident.id, rejected.code)
        return _deny(server, grant, f"certificate {rejected.code.replace('_', ' ')}")
    return _authorized(request, server, grant, resident)


def _unlocked_card(
    request: HttpRequest,
    server: DAAuthorizationServer,
    grant: DAAuthorizationCodeGrant,
    *,
    kind: services.PinKind,
) -> DemoResident | HttpResponse:
    """The chosen card once its PIN for ``kind`` was right; else the page or denial to send."""
    resident = _chosen_resident(request)
    if resident is None:
        return _card_page(
            request, grant, errors=[_error("resident", _("Choose a demo card."))], status=422
        )
    card = next(c for c in selectors.demo_cards() if c.id == resident.id)
    if kind == "signing" and card.sign_locked:
        return _deny(server, grant, "The password of the signature certificate is locked")
    if kind == "authentication" and card.auth_locked:
        return _deny(server, grant, "The PIN of the user authentication certificate is locked")
    return _pin_refused(request, grant, resident, kind=kind) or resident


def _pin_refused(
    request: HttpRequest,
    grant: DAAuthorizationCodeGrant,
    resident: DemoResident,
    *,
    kind: services.PinKind,
) -> HttpResponse | None:
    """The card page with what is wrong with the PIN entered, or None when it is right."""
    signing = kind == "signing"
    pin = services.normalise_pin(request.POST.get("pin", ""), kind=kind)
    if not services.pin_format_ok(pin, kind=kind):
        message = (
            _(
                "Enter the signing password: 6 to 16 characters of capital letters (A-Z) "
                "and digits (0-9)."
            )
            if signing
            else _("Enter the 4-digit PIN of the user authentication certificate.")
        )
        return _card_page(request, grant, errors=[_error("pin", message, kind=kind)], status=422)
    result = services.verify_pin(resident=resident, pin=pin, kind=kind)
    if result.ok:
        return None
    if result.locked and signing:
        message = _(
            "The signing password was wrong 5 times and is now locked. With a real card, "
            "reset it at your city office. In this simulator, use “Reset demo cards”."
        )
    elif result.locked:
        message = _(
            "The PIN was wrong 3 times and is now locked. With a real card, reset the PIN "
            "at your city office. In this simulator, use “Reset demo cards”."
        )
    elif signing:
        message = ngettext(
            "The signing password is wrong. %(count)d attempt is left before it locks.",
            "The signing password is wrong. %(count)d attempts are left before it locks.",
            result.remaining,
        ) % {"count": result.remaining}
    else:
        message = ngettext(
            "The PIN is wrong. %(count)d attempt is left before the PIN locks.",
            "The PIN is wrong. %(count)d attempts are left before the PIN locks.",
            result.remaining,
        ) % {"count": result.remaining}
    return _card_page(request, grant, errors=[_error("pin", message, kind=kind)], status=422)


def _authorized(
    request: HttpRequest,
    server: DAAuthorizationServer,
    grant: DAAuthorizationCodeGrant,
    resident: DemoResident,
) -> HttpResponse:
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
# The PIN field is labelled with the name the page gives it.
_PIN_LABELS = {
    "signing": gettext_lazy("Signing password"),
    "authentication": gettext_lazy("PIN of the user authentication certificate (4 digits)"),
}


def _error(field: str, message: str, *, kind: str | None = None) -> dict[str, Any]:
    """An entry for includes/error_summary.html, which links to the field."""
    anchor = "residents" if field == "resident" else field
    label = _PIN_LABELS[kind] if field == "pin" and kind else _FIELD_LABELS[field]
    return {"field": field, "url": f"#{anchor}", "label": label, "message": message}


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
    signing = "sign" in scopes
    digest = (
        selectors.sign_transaction_digest(
            client=grant.request.client,
            transaction_id=str(grant.request.payload.data.get("sign_transaction_id", "")),
        )
        if signing
        else ""
    )
    context: dict[str, Any] = {
        "signing": signing,
        # In groups of 16 hex digits, so that it wraps on a phone and reads in chunks.
        "digest_groups": [digest[i : i + 16] for i in range(0, len(digest), 16)],
        "relying_party": grant.request.client,
        "requested": requested,
        "cards": cards,
        "chosen": request.POST.get("resident", "") if request.method == "POST" else "",
        "errors": errors or [],
        "field_errors": {e["field"]: e["message"] for e in errors or []},
    }
    page = render(request, "devidp/authorize.html", context, status=status)
    # The card page's buttons are answered with a redirect to the relying party's
    # redirect URI, on another origin: allow exactly this client's registered ones.
    client_origins = sorted({origin(uri) for uri in grant.request.client.redirect_uris})
    return with_form_action(page, client_origins)


# --- sign API (server to server) ---------------------------------------------------------


def _api_error(refused: services.SignRequestRefused) -> JsonResponse:
    response = JsonResponse(
        {"error": refused.error, "error_description": refused.description}, status=refused.status
    )
    if refused.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{refused.error}"'
    return response


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt  # bearer-token API
@require_POST
def sign_transactions(request: HttpRequest) -> JsonResponse:
    """Start a sign transaction: ``{"digest": b64, "digest_algorithm": "SHA-256"}``."""
    try:
        client = services.client_token_for_signing(selectors.access_token(_bearer(request)))
        try:
            body = json.loads(request.body or b"{}")
        except ValueError as error:
            raise services.SignRequestRefused("invalid_request", "The body is not JSON.") from error
        if not isinstance(body, dict):
            raise services.SignRequestRefused("invalid_request", "The body must be an object.")
        started = services.start_sign_transaction(
            client=client,
            digest_b64=body.get("digest", ""),
            algorithm=body.get("digest_algorithm", "SHA-256"),
        )
    except services.SignRequestRefused as refused:
        return _api_error(refused)
    return JsonResponse(
        {
            "sign_transaction_id": started.transaction_id,
            "expires_at": started.expires_at.isoformat(),
        },
        status=201,
    )


@never_cache
@require_GET
def sign_transaction_result(request: HttpRequest, transaction_id: str) -> JsonResponse:
    """The signature and signing certificate, once the resident signed (plain JSON here;
    the real service wraps them in a JWE, see docs/identity.md)."""
    try:
        result = services.sign_result(
            transaction_id=transaction_id, token=selectors.access_token(_bearer(request))
        )
    except services.SignRequestRefused as refused:
        return _api_error(refused)
    return JsonResponse(result)


@require_GET
def crl(request: HttpRequest, name: str) -> HttpResponse:
    """The test CAs' CRLs (DER), at the distribution points their certificates name."""
    if name not in ("root", "sign", "auth"):
        return HttpResponse(status=404)
    der = pki.to_der(authorities.crl_for(name))  # type: ignore[arg-type]
    return HttpResponse(der, content_type="application/pkix-crl")
