"""The return from signing (a login handler of the identity callback) and public roots."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from madoguchi.identity import oidc
from madoguchi.identity.models import IdentityProvider
from madoguchi.submissions import correction_views, workflow
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions import services as submission_services
from madoguchi.submissions import views as submission_views
from madoguchi.submissions.models import Correction, Draft

from . import selectors, services


def sign_callback(
    request: HttpRequest, provider: IdentityProvider, pending: oidc.PendingLogin
) -> HttpResponse:
    """Registered for logins with purpose "sign": verify, submit, show the receipt.

    Any refusal shows the review page again (422) with the reason and the draft intact,
    so the resident can correct an answer or simply sign again.
    """
    token = pending.next_key
    try:
        draft = submission_selectors.draft_by_token(token)
    except Draft.DoesNotExist as error:
        public_id = submission_selectors.session_receipts(request.session).get(
            submission_services.hash_token(token)
        )
        if public_id:  # already sent from this browser (a reload of the callback)
            return redirect("submissions:done", public_id=public_id)
        raise Http404 from error
    try:
        submission = services.finish_signing(request, provider, pending, draft=draft)
    except services.SigningFailed as failure:
        return submission_views.review_page(
            request, draft, token, signing_error=str(failure.message), status=422
        )
    except submission_services.SubmissionRefused as refused:
        return submission_views.review_page(
            request, draft, token, errors=refused.errors, status=422
        )
    except Draft.DoesNotExist as error:  # sent meanwhile from another tab
        raise Http404 from error
    submission_views.remember_receipt(request, token, submission)
    return redirect("submissions:done", public_id=submission.public_id)


def sign_correction_callback(
    request: HttpRequest, provider: IdentityProvider, pending: oidc.PendingLogin
) -> HttpResponse:
    """Registered for logins with purpose "sign_correction": verify and resubmit.

    A refusal shows the correction page again with the reason; the corrected answers wait
    on the correction, so signing again is one click.
    """
    try:
        correction = workflow.open_correction(pending.next_key)
    except Correction.DoesNotExist as error:
        raise Http404 from error
    try:
        submission = services.finish_correction_signing(
            request, provider, pending, correction=correction
        )
    except services.SigningFailed as failure:
        return correction_views.correction_page(
            request, correction, problem=str(failure.message), status=422
        )
    correction_views.remember_correction(request, correction)
    return redirect("submissions:done", public_id=submission.public_id)


@require_GET
def trust_roots(request: HttpRequest) -> HttpResponse:
    """The JPKI roots this installation trusts for signatures (PEM), for offline verifiers."""
    body = b"".join(root.public_bytes(Encoding.PEM) for root in selectors.jpki_trust_roots())
    return HttpResponse(body, content_type="application/x-pem-file")
