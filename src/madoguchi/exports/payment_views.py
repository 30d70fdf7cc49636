"""The treasury's reconciliation page (会計課への消込データ): totals on the page, files to take.

GET with a period shows the totals per reporting category, day and procedure; POST with the
same fields downloads a file (:mod:`.payment_services`). Both check the fields the same way:
problems go to the shared error summary with what was typed kept, answered with 422.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.core.forms import SummaryItem, field_errors, summary
from madoguchi.core.staff import staff_of, staff_required

from . import payment_selectors, payment_services
from .payment_forms import ENCODING_CHOICES, PaymentExportForm


def _default_period() -> dict[str, str]:
    """Last month's first day to today: what a monthly 消込 usually needs."""
    today = timezone.localdate()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return {"from": first.isoformat(), "to": today.isoformat()}


@staff_required
@require_http_methods(["GET", "POST"])
def export_payments(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if not payment_selectors.may_export_payments(staff):
        return HttpResponseForbidden(
            _(
                "Only staff who may export and see every department of the city (the treasury's "
                "clerks, administrators) can export payments. Ask your administrator."
            )
        )
    procedures = payment_selectors.procedures_with_payments(staff)
    posted = request.method == "POST"
    data = request.POST if posted else (request.GET or None)
    bound = PaymentExportForm(data, procedures=procedures)
    errors: list[SummaryItem] = []
    preview = None
    period = None
    if bound.is_bound and bound.is_valid():
        period = bound.period()
        form_id = bound.cleaned_data["procedure"]
        if posted:
            try:
                export = payment_services.export_payments(
                    staff=staff,
                    period=period,
                    form_id=form_id,
                    file_format=bound.cleaned_data["format"] or "csv",
                    encoding=bound.cleaned_data["encoding"] or "utf-8-sig",
                )
            except payment_services.PaymentsExportUnencodable as refused:
                label = str(bound.fields["encoding"].label)
                errors = [SummaryItem("#encoding-utf-8-sig", label, str(refused.message))]
            else:
                return HttpResponse(
                    export.content,
                    content_type=export.content_type,
                    headers={
                        "Content-Disposition": content_disposition_header(True, export.file_name),
                        "Cache-Control": "no-store",
                    },
                )
        preview = payment_selectors.summarize(
            payment_selectors.movements(staff, period=period, form_id=form_id)
        )
    elif bound.is_bound:
        errors = summary(bound, anchors=PaymentExportForm.ANCHORS)
    typed = bound.data if bound.is_bound else _default_period()
    return render(
        request,
        "exports/payments.html",
        {
            "staff": staff,
            "procedures": procedures,
            "typed": typed,
            "chosen_procedure": str(typed.get("procedure", "")),
            "chosen_encoding": str(typed.get("encoding", "")) or "utf-8-sig",
            "encoding_choices": ENCODING_CHOICES,
            "errors": errors,
            "field_errors": field_errors(bound) if errors else {},
            "preview": preview,
            "period": period,
            "max_days": payment_selectors.MAX_DAYS,
        },
        status=422 if errors else 200,
    )
