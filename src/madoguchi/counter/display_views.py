"""The resident-facing display (``/counter/display/``): pairing, the application to confirm,
the card's PIN and signing password pages, and the relays of the card agent's answers.

The display is recognised by its token in an HttpOnly cookie (path ``/counter/display/``,
SameSite Strict); every POST also carries Django's CSRF token. The pages show the form's
questions and answers only: never edit reasons, staff notes or assurance internals.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.core.refusal_views import message_of
from madoguchi.core.refusals import Refused
from madoguchi.forms import rendering

from . import card, display, services
from .models import ApplicationState, Visit, VisitApplication

COOKIE = "madoguchi_display"
COOKIE_PATH = "/counter/display/"
COOKIE_SECONDS = 12 * 60 * 60
MAX_BODY = 16 * 1024
# The display may talk to the card agent on loopback (agent-api.md), nowhere else.
AGENT_SOURCES = ["'self'", "http://127.0.0.1:*", "http://localhost:*"]


def _visit(request: HttpRequest) -> Visit | None:
    return display.visit_for_token(request.COOKIES.get(COOKIE, ""))


def _signing(visit: Visit) -> VisitApplication | None:
    """The application waiting for the card's signature, if the clerk started one."""
    started_after = timezone.now() - card.signing_window()
    return (
        visit.applications.filter(
            state=ApplicationState.CONFIRMED,
            sign_created_at__gt=started_after,
        )
        .exclude(sign_sha256="")
        .select_related("form_version__form")
        .first()
    )


def _reading(visit: Visit) -> bool:
    return bool(
        visit.card_nonce
        and visit.card_nonce_expires_at is not None
        and visit.card_nonce_expires_at > timezone.now()
    )


def _state(visit: Visit) -> tuple[str, VisitApplication | None]:
    signing = _signing(visit)
    if signing is not None:
        return "sign", signing
    if _reading(visit):
        return "read", None
    shown = display.shown_application(visit)
    if shown is not None:
        return "confirm", shown
    return "waiting", None


def _version(visit: Visit, state: str, application: VisitApplication | None) -> str:
    """A short fingerprint of what the display shows: the poll reloads when it changes."""
    parts = [state, str(visit.pk)]
    if application is not None:
        parts += [str(application.pk), services.answers_sha256(application)]
    if state == "read":
        parts.append(visit.card_nonce)
    if state == "sign" and application is not None:
        parts.append(application.sign_sha256)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _with_agent_access(response: HttpResponse) -> HttpResponse:
    update: dict[str, Any] = dict(getattr(response, "_csp_update", None) or {})
    update["connect-src"] = AGENT_SOURCES
    response._csp_update = update  # type: ignore[attr-defined]
    return response


def _unpaired(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    response = render(
        request,
        "counter/display_pair.html",
        {"error": error, "code_digits": display.CODE_DIGITS},
        status=status,
    )
    if COOKIE in request.COOKIES and not error:
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest) -> HttpResponse:
    """Type the 6-digit code the clerk's screen shows; then the display is paired."""
    if request.method == "GET":
        if _visit(request) is not None:
            return redirect("counter_resident:display")
        return _unpaired(request)
    if not allow(request, "display_pair"):
        return render(request, "core/too_many_requests.html", status=429)
    try:
        _visit_paired, token = display.pair(code=str(request.POST.get("code", ""))[:20])
    except display.PairingRefused as refused:
        return _unpaired(request, error=message_of(refused), status=422)
    response = redirect("counter_resident:display")
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_SECONDS,
        path=COOKIE_PATH,
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)) or request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response


@never_cache
@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """What the resident sees now: waiting, an application to confirm, or the card."""
    visit = _visit(request)
    if visit is None:
        return _unpaired(request)
    state, application = _state(visit)
    context: dict[str, Any] = {
        "visit": visit,
        "state": state,
        "version": _version(visit, state, application),
        "flagged": visit.applications.filter(flagged_at__isnull=False).exists(),
    }
    if state == "confirm" and application is not None:
        context |= {
            "application": application,
            "title": application.form_version.schema.title.get(_language()),
            "sections": rendering.answer_sections(
                application.form_version.schema, dict(application.answers), answered_only=True
            ),
            "sha256": services.answers_sha256(application),
        }
    if state == "read":
        context["nonce"] = visit.card_nonce
    if state == "sign" and application is not None:
        context |= {
            "application": application,
            "title": application.form_version.schema.title.get(_language()),
            "sha256": application.sign_sha256,
        }
    return _with_agent_access(render(request, "counter/display.html", context))


def _language() -> str:
    return (get_language() or "ja")[:2]


@never_cache
@require_GET
def state(request: HttpRequest) -> JsonResponse:
    """The display's poll: the fingerprint of what it should show (no personal data)."""
    visit = _visit(request)
    if visit is None:
        return JsonResponse({"paired": False, "version": ""})
    current, application = _state(visit)
    return JsonResponse(
        {"paired": True, "state": current, "version": _version(visit, current, application)}
    )


def _application(visit: Visit, request: HttpRequest) -> VisitApplication | None:
    raw = str(request.POST.get("application", ""))
    if not raw.isdigit():
        return None
    return (
        visit.applications.select_related("visit", "form_version__form").filter(pk=int(raw)).first()
    )


@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """「内容に間違いありません」: the resident confirms the answers they read."""
    visit = _visit(request)
    if visit is None:
        return _unpaired(request, status=403)
    application = _application(visit, request)
    if application is None:
        return redirect("counter_resident:display")
    try:
        display.confirm(application=application, sha256=str(request.POST.get("sha256", "")))
    except Refused as refused:
        return _message(request, visit, message_of(refused), status=409)
    return _message(request, visit, _("Thank you. The clerk will continue."), status=200, done=True)


@require_POST
def flag(request: HttpRequest) -> HttpResponse:
    """「職員に伝える」: something is not right; the clerk's screen says so."""
    visit = _visit(request)
    if visit is None:
        return _unpaired(request, status=403)
    application = _application(visit, request)
    if application is None:
        return redirect("counter_resident:display")
    try:
        display.flag(application=application)
    except Refused as refused:
        return _message(request, visit, message_of(refused), status=409)
    return _message(
        request,
        visit,
        _("The clerk has been told. Please tell them what is not right."),
        status=200,
    )


def _message(
    request: HttpRequest, visit: Visit, text: str, *, status: int, done: bool = False
) -> HttpResponse:
    """The answer to the resident's press. It stays until the clerk changes what the display
    shows: then the script goes back to the display (never a timed refresh, WCAG 2.2.1);
    without JavaScript the page's button does."""
    state, application = _state(visit)
    return render(
        request,
        "counter/display_message.html",
        {"text": text, "done": done, "version": _version(visit, state, application)},
        status=status,
    )


# --- The card agent's answers, relayed by display-card.js -------------------------------


class BadBody(ValueError):
    pass


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise BadBody("too large")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadBody("not JSON") from error
    if not isinstance(body, dict):
        raise BadBody("not an object")
    return body


def _b64(body: dict[str, Any], key: str) -> bytes:
    value = body.get(key)
    if not isinstance(value, str):
        raise BadBody(key)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadBody(key) from error


def _refusal(refused: Refused) -> JsonResponse:
    return JsonResponse(
        {"error": refused.code, "message": card.resident_message(refused) or message_of(refused)},
        status=refused.status,
    )


def _bad_request() -> JsonResponse:
    return JsonResponse(
        {"error": "bad_request", "message": _("The card's answer could not be read. Try again.")},
        status=400,
    )


@require_POST
def card_read(request: HttpRequest) -> JsonResponse:
    """The agent's ``/v1/read`` answer (items, certificate, nonce signature; never the PIN)."""
    visit = _visit(request)
    if visit is None:
        return JsonResponse({"error": "not_paired"}, status=403)
    try:
        body = _json_body(request)
        items = body.get("items")
        if not isinstance(items, dict):
            raise BadBody("items")
        certificate = _b64(body, "auth_certificate")
        signature = _b64(body, "nonce_signature")
        ca = _b64(body, "auth_ca_certificate") if body.get("auth_ca_certificate") else None
    except BadBody:
        return _bad_request()
    try:
        card.accept_card_read(
            visit=visit,
            clerk=visit.clerk,
            items=items,
            auth_certificate_der=certificate,
            auth_ca_der=ca,
            nonce_signature=signature,
            integrity=str(body.get("integrity", "")),
        )
    except Refused as refused:
        return _refusal(refused)
    return JsonResponse({"ok": True})


@require_POST
def card_sign(request: HttpRequest) -> JsonResponse:
    """The agent's ``/v1/sign`` answer (certificate, signature; never the password)."""
    visit = _visit(request)
    if visit is None:
        return JsonResponse({"error": "not_paired"}, status=403)
    signing = _signing(visit)
    if signing is None:
        return _refusal(card.CardRefused("card_signing_not_started"))
    try:
        body = _json_body(request)
        certificate = _b64(body, "certificate")
        signature = _b64(body, "signature")
        ca = _b64(body, "ca_certificate") if body.get("ca_certificate") else None
    except BadBody:
        return _bad_request()
    try:
        submission = card.finish_counter_signing(
            application=signing,
            clerk=visit.clerk,
            certificate_der=certificate,
            ca_der=ca,
            signature=signature,
        )
    except Refused as refused:
        return _refusal(refused)
    return JsonResponse({"ok": True, "receipt_number": submission.receipt_number})
