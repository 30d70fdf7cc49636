"""The resident's payment pages beside the core ones (pay, return, webhook in ``views``):
the 領収書 download, and paying from the confirmation page.

Access as on the pages they hang off: the 領収書 as the status page (the secret status link;
a card-verified application only in the browser that did its card login), paying from
the confirmation page as the confirmation page (only the browser that sent it).
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madoguchi.submissions import resident_session, selectors, status_links
from madoguchi.submissions.models import Submission

from . import receipt_pdf, views
from .models import Payment
from .resident_panel import RECEIPTED


@never_cache
@require_GET
def receipt(request: HttpRequest, token: str, public_id: UUID) -> HttpResponse:
    """The sealed 領収書 of a paid (or refunded) fee of the application behind ``token``."""
    try:
        submission = status_links.submission_by_token(token)
    except Submission.DoesNotExist as error:
        raise Http404 from error
    if resident_session.needs_login_again(request.session, submission.identity):
        raise Http404
    try:
        payment = Payment.objects.select_related(
            "submission__form_version__form", "submission__municipality", "submission__department"
        ).get(submission=submission, public_id=public_id, status__in=sorted(RECEIPTED))
    except Payment.DoesNotExist as error:
        raise Http404 from error
    if not payment.receipt_serial:
        raise Http404
    data = receipt_pdf.receipt_pdf(payment)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{payment.receipt_serial}.pdf"'
    return response


@require_POST
def pay_from_confirmation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The confirmation page's 「支払う」: the browser that just sent the application gets a
    status link (as 「申請状況を確認する」 does) and goes on exactly as from the status page."""
    if str(public_id) not in selectors.session_receipts(request.session).values():
        raise Http404
    submission = Submission.objects.get(public_id=public_id)
    return views.pay(request, token=status_links.issue(submission))
