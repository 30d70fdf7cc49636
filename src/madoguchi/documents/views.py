"""Receipt downloads, the public reference page behind the QR code, and the trust anchors."""

from __future__ import annotations

import hashlib
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from madoguchi.submissions.models import Submission

from . import seal, selectors, services, tsa
from .models import Receipt


@require_GET
def receipt_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    try:
        submission = selectors.submission_for_resident(request.session, public_id)
    except Submission.DoesNotExist as error:
        raise Http404 from error
    response = HttpResponse(services.receipt_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{submission.receipt_number}.pdf"'
    )
    # Personal data: never in a shared cache, and not left behind on a shared computer.
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def reference(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """What the QR code on a receipt opens: that it exists, who issued it, its SHA-256.

    No personal data and not even the procedure: anyone holding the receipt can open it.
    """
    try:
        receipt = selectors.issued_receipt(public_id)
    except Receipt.DoesNotExist as error:
        raise Http404 from error
    municipality = receipt.submission.municipality
    language = getattr(request, "LANGUAGE_CODE", "ja")
    return render(
        request,
        "documents/reference.html",
        {
            "receipt": receipt,
            "receipt_number": receipt.submission.receipt_number,
            "municipality": municipality.localized_name(language),
        },
    )


def _fingerprints() -> list[dict[str, str]]:
    return [
        {
            "subject": certificate.subject.rfc4514_string(),
            "sha256": hashlib.sha256(
                certificate.public_bytes(serialization.Encoding.DER)
            ).hexdigest(),
            "not_after": certificate.not_valid_after_utc.date().isoformat(),
        }
        for certificate in seal.seal_roots()
    ]


@require_GET
def trust(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "documents/trust.html",
        {"roots": _fingerprints(), "test_seal": seal.uses_test_seal()},
    )


@require_GET
def seal_root(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(seal.roots_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="madoguchi-seal-root.pem"'
    return response


@csrf_exempt  # an RFC 3161 client posts DER, not a form
@require_POST
def local_tsa(request: HttpRequest) -> HttpResponse:
    """The local test TSA over HTTP (development only), for MADOGUCHI_TSA_URL."""
    if not settings.MADOGUCHI_DEVIDP_ENABLED or not seal.uses_test_seal():
        raise Http404
    if request.content_type != "application/timestamp-query":
        return HttpResponse(status=415)
    try:
        body = tsa.answer_request(request.body)
    except ValueError:
        return HttpResponse(status=400)
    return HttpResponse(body, content_type="application/timestamp-reply")
