"""The hosted payment pages: what a resident sees at a checkout session's ``url``.

Plain forms (no JavaScript), CSRF-protected, Japanese first. They stand in for Stripe's
hosted Checkout, the 3-D Secure challenge, the konbini voucher and PayPay's approval.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.origins import origin
from madoguchi.identity.csp import with_form_action

from . import services
from .models import StoredObject

METHOD_LABELS = {
    "card": "Credit or debit card",
    "konbini": "Convenience store (konbini)",
    "paypay": "PayPay",
}


def _messages() -> dict[str, str]:
    return {
        "card_declined": _("Your card was declined. Try another card or another payment method."),
        "payment_intent_authentication_failure": _(
            "Your card could not be authenticated (3-D Secure). Try again or use another card."
        ),
        "paypay_declined": _(
            "The PayPay payment was not approved. Choose a payment method and try again."
        ),
        "test_card_required": _(
            "This is a simulator: enter one of the test card numbers listed on this page."
        ),
        "payment_method_unavailable": _("This payment method is not offered for this payment."),
        "expiry": _("Enter the expiry date as MM/YY, a month that has not passed."),
        "cvc": _("Enter the 3 or 4 digit security code."),
        "method": _("Choose a payment method."),
    }


def _load(request: HttpRequest, session_id: str) -> StoredObject:
    found = services.session(session_id, lock=request.method == "POST")
    if found is None:
        raise Http404
    return found


def _language(request: HttpRequest, checkout: StoredObject) -> str:
    """The resident's own choice (language cookie) first, then the session's ``locale``."""
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        return translation.get_language()
    locale = str(checkout.data.get("locale") or "")
    return (
        "en"
        if locale.startswith("en")
        else "ja"
        if locale.startswith("ja")
        else translation.get_language()
    )


def _success(checkout: StoredObject) -> HttpResponse:
    url = checkout.data.get("success_url")
    if url:
        return HttpResponseRedirect(
            str(url).replace("{CHECKOUT_SESSION_ID}", checkout.id), status=303
        )
    return HttpResponseRedirect(reverse("paysim:checkout", args=[checkout.id]), status=303)


def _render(
    request: HttpRequest, checkout: StoredObject, template: str, status: int = 200, **extra: Any
) -> HttpResponse:
    with translation.override(_language(request, checkout)):
        context = {
            "session": checkout.data,
            "merchant": checkout.private.get("merchant", ""),
            "line_items": checkout.private.get("line_items", []),
            "methods": [(m, _(METHOD_LABELS[m])) for m in checkout.data["payment_method_types"]],
            "error": _messages().get(checkout.private.get("error", ""), ""),
            "konbini": checkout.private.get("konbini"),
            **extra,
        }
        response = render(request, template, context, status=status)
        # Not "no-referrer": browsers then send "Origin: null" with the form, which fails CSRF.
        response["Referrer-Policy"] = "same-origin"
        # The page's forms are answered with a redirect back to the merchant (success_url),
        # on another origin, as Stripe's hosted pages are: allow exactly that origin.
        back = {origin(str(checkout.data.get(k) or "")) for k in ("success_url", "cancel_url")}
        return with_form_action(response, sorted(back - {""}))


def _card_problem(post: Any) -> str:
    expiry = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", post.get("expiry", ""))
    if expiry is None:
        return "expiry"
    month, year = int(expiry.group(1)), int(expiry.group(2)) % 100 + 2000
    today = date.today()
    if not 1 <= month <= 12 or (year, month) < (today.year, today.month):
        return "expiry"
    if not re.fullmatch(r"\d{3,4}", post.get("cvc", "").strip()):
        return "cvc"
    return ""


@require_http_methods(["GET", "POST"])
@transaction.atomic
def checkout(request: HttpRequest, session_id: str) -> HttpResponse:
    session = _load(request, session_id)
    data = session.data
    if data["status"] == "expired":
        return _render(request, session, "paysim/expired.html", status=410)
    if data["status"] == "complete":
        if data["payment_status"] == "unpaid" and session.private.get("konbini"):
            return HttpResponseRedirect(reverse("paysim:konbini", args=[session.id]), status=303)
        return _success(session)
    if request.method == "GET":
        return _render(request, session, "paysim/checkout.html")
    method = request.POST.get("method", "")
    if method not in data["payment_method_types"]:
        return _render(
            request, session, "paysim/checkout.html", status=422, error=_messages()["method"]
        )
    try:
        if method == "konbini":
            services.choose_konbini(session)
            return HttpResponseRedirect(reverse("paysim:konbini", args=[session.id]), status=303)
        if method == "paypay":
            services.choose_paypay(session)
            return HttpResponseRedirect(reverse("paysim:paypay", args=[session.id]), status=303)
        problem = _card_problem(request.POST)
        if problem:
            with translation.override(_language(request, session)):
                message = _messages()[problem]
            return _render(
                request, session, "paysim/checkout.html", status=422, error=message, chosen="card"
            )
        outcome = services.pay_by_card(session, number=request.POST.get("number", ""))
    except services.PaymentFailed as failure:
        with translation.override(_language(request, session)):
            message = _messages().get(failure.code, failure.code)
        return _render(
            request, session, "paysim/checkout.html", status=402, error=message, chosen=method
        )
    if outcome == "requires_action":
        return HttpResponseRedirect(reverse("paysim:challenge", args=[session.id]), status=303)
    return _success(session)


@require_http_methods(["GET", "POST"])
@transaction.atomic
def challenge(request: HttpRequest, session_id: str) -> HttpResponse:
    session = _load(request, session_id)
    if request.method == "GET":
        if session.data["status"] != "open":
            return HttpResponseRedirect(reverse("paysim:checkout", args=[session.id]), status=303)
        return _render(request, session, "paysim/challenge.html")
    try:
        services.three_d_secure(session, authenticated=request.POST.get("action") == "authenticate")
    except services.PaymentFailed:
        return HttpResponseRedirect(reverse("paysim:checkout", args=[session.id]), status=303)
    return _success(session)


@require_http_methods(["GET", "POST"])
@transaction.atomic
def konbini(request: HttpRequest, session_id: str) -> HttpResponse:
    session = _load(request, session_id)
    if not session.private.get("konbini"):
        return HttpResponseRedirect(reverse("paysim:checkout", args=[session.id]), status=303)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "paid":
                services.konbini_paid(session)
            elif request.POST.get("action") == "expire":
                services.konbini_expired(session)
        except services.PaymentFailed:
            pass  # already paid or expired: the page shows which
        return HttpResponseRedirect(reverse("paysim:konbini", args=[session.id]), status=303)
    intent = StoredObject.objects.get(id=session.data["payment_intent"])
    return _render(
        request,
        session,
        "paysim/konbini.html",
        intent_status=intent.data["status"],
        deadline=datetime.fromtimestamp(session.private["konbini"]["expires_at"], tz=UTC),
        success_url=str(session.data.get("success_url") or "").replace(
            "{CHECKOUT_SESSION_ID}", session.id
        ),
    )


@require_http_methods(["GET", "POST"])
@transaction.atomic
def paypay(request: HttpRequest, session_id: str) -> HttpResponse:
    session = _load(request, session_id)
    if request.method == "GET":
        if session.data["status"] != "open":
            return HttpResponseRedirect(reverse("paysim:checkout", args=[session.id]), status=303)
        return _render(request, session, "paysim/paypay.html")
    try:
        services.paypay_decision(session, approved=request.POST.get("action") == "approve")
    except services.PaymentFailed:
        return HttpResponseRedirect(reverse("paysim:checkout", args=[session.id]), status=303)
    return _success(session)
