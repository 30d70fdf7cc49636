"""The signature step of the application flow, the return from signing, and public roots.

The submission pages sit below this app and never import it: the review pages hand a
signed form's "send" to :func:`begin_signing` / :func:`begin_correction_signing`
(registered with ``submissions.signing`` in apps.py), and the identity callback hands
"sign" logins to :func:`sign_callback` / :func:`sign_correction_callback`.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from madoguchi.identity import oidc
from madoguchi.identity.models import IdentityProvider
from madoguchi.submissions import correction_views, corrections
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Correction, Draft
from madoguchi.submissions.views import access as submission_access
from madoguchi.submissions.views import review as submission_review

from . import selectors, services


def begin_signing(request: HttpRequest, draft: Draft, token: str) -> HttpResponse:
    """The review page's "send" for a signed form: off to sign at the card's provider.

    When signing cannot start, the review page again (422) says why. A draft that cannot
    be sent at all raises the submission service's refusal, which the review page shows.
    """
    try:
        return redirect(services.begin_signing(request, draft, token))
    except services.SigningFailed as failure:
        return submission_review.review_page(
            request, draft, token, signing_error=str(failure.message), status=422
        )


def begin_correction_signing(
    request: HttpRequest, correction: Correction, token: str
) -> HttpResponse:
    """The correction review's "send" for a signed form: off to sign the new answers."""
    try:
        return redirect(services.begin_correction_signing(request, correction, token))
    except services.SigningFailed as failure:
        return correction_views.review_page(
            request, correction, token, problem=str(failure.message), status=422
        )


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
        return submission_review.review_page(
            request, draft, token, signing_error=str(failure.message), status=422
        )
    except submission_services.SubmissionRefused as refused:
        return submission_review.review_page(
            request, draft, token, errors=refused.errors, status=422
        )
    except Draft.DoesNotExist as error:  # sent meanwhile from another tab
        raise Http404 from error
    submission_access.remember_receipt(request, token, submission)
    return redirect("submissions:done", public_id=submission.public_id)


def sign_correction_callback(
    request: HttpRequest, provider: IdentityProvider, pending: oidc.PendingLogin
) -> HttpResponse:
    """Registered for logins with purpose "sign_correction": verify and resubmit.

    A refusal shows the correction page again with the reason; the corrected answers wait
    on the correction, so signing again is one click.
    """
    try:
        correction = corrections.open_correction(pending.next_key)
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
