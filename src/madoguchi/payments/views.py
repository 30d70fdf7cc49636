"""The resident's round trip to the provider's hosted checkout, and its webhooks.

``pay`` (POST from the status page) sends the resident to the checkout; ``return`` is
where the provider sends them back (it carries no secret, so it asks the provider, then
shows the status page whose link this browser used, or only the payment's status);
``webhook`` takes the provider's signed notifications (no CSRF token: the signature is
the proof, checked in ``services.handle_webhook``).
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.ratelimit import allow
from madoguchi.core.refusals import Refused
from madoguchi.submissions import status_links
from madoguchi.submissions.models import Submission

from . import selectors, services
from .states import PaymentStatus

logger = logging.getLogger("madoguchi.payments")

# The session remembers which status link started which payment (for the return page).
SESSION_KEY = "madoguchi_payments"
SESSION_KEEP = 10


@never_cache
@require_POST
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """「支払う」: to the hosted checkout (303); back to the status page when there is
    nothing to pay (already paid, no fee) or the provider cannot be reached."""
    try:
        submission = status_links.submission_by_token(token)
    except Submission.DoesNotExist as error:
        raise Http404 from error
    if not allow(request, "draft_start"):
        return render(request, "core/too_many_requests.html", status=429)
    language = get_language() or "ja"
    try:
        payment = services.payment_to_pay(submission)
        if payment is None or payment.status != PaymentStatus.PENDING:
            return redirect("submissions:status", token=token)
        _remember(request, payment.public_id, token)
        try:
            url = services.checkout_url(payment, language=language)
        except services.PaymentNotPayable:
            # Its checkout lapsed just now: a new payment for the same amount.
            payment = services.payment_to_pay(submission)
            if payment is None or payment.status != PaymentStatus.PENDING:
                return redirect("submissions:status", token=token)
            _remember(request, payment.public_id, token)
            url = services.checkout_url(payment, language=language)
    except Refused as refused:
        messages.error(request, str(refused.message))
        return redirect("submissions:status", token=token)
    return HttpResponseRedirect(url, status=303)


@never_cache
@require_GET
def payment_return(request: HttpRequest, public_id: UUID) -> HttpResponse:
    payment = selectors.by_public_id(public_id)
    if payment is None:
        raise Http404
    try:
        services.sync_from_provider(payment)
    except Refused as refused:
        # The webhook or the next reconciliation will tell; show what is known.
        logger.info("payment %s: return page without the provider: %s", public_id, refused.code)
    token = request.session.get(SESSION_KEY, {}).get(str(public_id))
    if token:
        if payment.status == PaymentStatus.PAID:
            messages.success(request, _("Thank you. Your payment was received."))
        elif request.GET.get("cancelled"):
            messages.info(request, _("The payment was not completed. You can pay later."))
        return redirect("submissions:status", token=token)
    return render(request, "payments/return.html", {"payment": payment})


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str, account: str) -> HttpResponse:
    try:
        event = services.handle_webhook(provider, account, request.body, request.headers)
    except services.WebhookRejected:
        return JsonResponse({"error": "signature"}, status=400)
    except services.PaymentProviderDown:
        # Not recorded: the provider delivers it again later.
        return JsonResponse({"error": "retry"}, status=503)
    return JsonResponse({"outcome": event.outcome})


def _remember(request: HttpRequest, public_id: UUID, token: str) -> None:
    known = dict(request.session.get(SESSION_KEY, {}))
    known.pop(str(public_id), None)
    known[str(public_id)] = token
    request.session[SESSION_KEY] = dict(list(known.items())[-SESSION_KEEP:])
