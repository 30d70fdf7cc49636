"""返金: refunding a submission's paid fee, after a confirmation page that asks why."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.forms import field_errors, summary
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.payments import selectors as payment_selectors
from madoguchi.payments.models import Payment
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember

from .. import fee_services, fees
from ..forms import RefundForm


def _payment_or_404(
    staff: StaffMember, receipt_number: str, public_id: uuid.UUID
) -> tuple[Submission, Payment]:
    """A payment of a submission the staff member may act on (else not found, as for a
    submission of another department: nothing is revealed)."""
    if not staff.can_act:
        raise Http404
    try:
        submission = submission_selectors.submission_for_staff(staff, receipt_number)
    except Submission.DoesNotExist as error:
        raise Http404 from error
    for payment in payment_selectors.payments_of(submission):
        if payment.public_id == public_id:
            return submission, payment
    raise Http404


@staff_required
@require_http_methods(["GET", "POST"])
def refund(request: HttpRequest, receipt_number: str, public_id: uuid.UUID) -> HttpResponse:
    """GET: what will be refunded, and the reason to give; POST: refund it."""
    staff = staff_of(request)
    submission, payment = _payment_or_404(staff, receipt_number, public_id)
    form = RefundForm(request.POST if request.method == "POST" else None)
    refusals: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            refunded = fee_services.refund(
                payment=payment, staff=staff, reason=form.cleaned_data["refund_reason"]
            )
        except Refused as refused:
            refusals = [str(refused)]
        else:
            messages.success(
                request,
                _("The refund of %(amount)s was requested.")
                % {"amount": fees.yen(refunded.amount)},
            )
            return redirect("backoffice:detail", receipt_number=receipt_number)
    language = get_language() or "ja"
    row = next(
        r
        for r in fees.payment_rows(submission, language=language, can_act=True)
        if r.payment.pk == payment.pk
    )
    posted = request.method == "POST"
    return render(
        request,
        "backoffice/refund.html",
        {
            "staff": staff,
            "submission": submission,
            "title": submission.form_version.schema.title.get(language),
            "row": row,
            "errors": summary(
                form,
                general_anchor="refund-title",
                general_label=_("Refund the fee"),
                refusals=refusals,
            )
            if posted
            else [],
            "field_errors": field_errors(form) if posted else {},
            "entered": {"refund_reason": form.data.get("refund_reason", "")} if posted else {},
        },
        status=422 if posted else 200,
    )
