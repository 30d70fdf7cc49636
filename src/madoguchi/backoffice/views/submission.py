"""One submission: its answers and files, printing, and what staff do with it
(status, assignment, comments, result)."""

from __future__ import annotations

from typing import Any, cast

from django import forms as django_forms
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.forms import field_errors, summary
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms import rendering
from madoguchi.forms.answers import display_date
from madoguchi.submissions import corrections, identity_levels, sealed, workflow
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Attachment, Status, Submission
from madoguchi.tenants.models import StaffMember

from .. import fee_services, fees, selectors, services
from ..forms import AssignForm, CommentForm, ResultForm, StatusForm


def _submission_or_404(staff: StaffMember, receipt_number: str) -> Submission:
    try:
        return submission_selectors.submission_for_staff(staff, receipt_number)
    except Submission.DoesNotExist as error:
        raise Http404 from error


# Shown inside the page; anything else is offered as a download under its safe name.
INLINE_TYPES = {"application/pdf": "pdf", "image/jpeg": "image", "image/png": "image"}
# How browsers mark a request for a file shown inside a page (Fetch metadata).
EMBEDDED_DESTINATIONS = frozenset({"iframe", "image", "embed", "object"})


def _attachment_views(submission: Submission) -> list[dict[str, Any]]:
    views = []
    for attachment in submission.attachments.order_by("id"):
        url = reverse("backoffice:attachment", args=[submission.receipt_number, attachment.pk])
        views.append(
            {
                "field_key": attachment.field_key,
                "name": attachment.display_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "kind": INLINE_TYPES.get(attachment.content_type, "other"),
                "url": url,
                "download_url": f"{url}?download=1",
            }
        )
    return views


def _sections_with_files(
    submission: Submission, files: list[dict[str, Any]]
) -> tuple[list[rendering.AnswerSection], list[dict[str, Any]]]:
    """The answers, each file question carrying its files; and files no answer names."""
    schema = submission.form_version.schema
    sections = rendering.answer_sections(schema, submission.answers, answered_only=True)
    shown: set[str] = set()
    for section in sections:
        for row in section.rows:
            row_files = [f for f in files if f["field_key"] == row["key"]]
            if row_files:
                row["files"] = row_files  # type: ignore[assignment]
                shown.add(row["key"])
    return sections, [f for f in files if f["field_key"] not in shown]


def _render_detail(
    request: HttpRequest,
    staff: StaffMember,
    submission: Submission,
    *,
    form: django_forms.Form | None = None,
    refusals: list[str] | None = None,
    anchor: str = "workflow-title",
    status: int = 200,
) -> HttpResponse:
    """The page; after a refused POST, with every problem of ``form`` in the error summary
    (each linking to its input, refusals of the workflow to ``anchor``) and what was typed."""
    schema = submission.form_version.schema
    language = get_language() or "ja"
    sections, other_files = _sections_with_files(submission, _attachment_views(submission))
    field_keys = {f.key for f in schema.fields()}
    errors = (
        summary(
            form,
            anchors=_ANCHORS,
            general_anchor=anchor,
            general_label=str(_("Handle this application")),
            refusals=refusals or [],
        )
        if form is not None
        else []
    )
    entered: dict[str, Any] = {}
    if form is not None:
        entered = {name: form.data.get(name, "") for name in form.fields}
        if "fields" in form.fields:
            entered["fields"] = cast(QueryDict, form.data).getlist("fields")
    context = {
        "staff": staff,
        "submission": submission,
        "title": schema.title.get(language),
        "sections": sections,
        "attachments": other_files,
        "identity": submission.identity,
        "identity_label": identity_levels.label(submission.identity_level),
        "prefilled_labels": [
            schema.field(key).label.get(language)
            for key in submission.prefilled_fields
            if key in field_keys
        ],
        # Every problem of the form at once (not the first only), each a link to its input.
        "errors": errors,
        "field_errors": field_errors(form),
        "entered": entered,
        # End-to-end encrypted: the answers are read on the LGWAN side (integrations).
        "sealed": sealed.is_sealed(submission),
    } | selectors.workflow_context(staff, submission, language=language)
    # Labels and readable values, before → after (never keys or stored structures).
    context["correction_history"] = corrections.correction_history(submission, language=language)
    context |= _fee_context(staff, submission, form, language=language, allowed=context)
    return render(request, "backoffice/detail.html", context, status=status)


def _fee_context(
    staff: StaffMember,
    submission: Submission,
    form: django_forms.Form | None,
    *,
    language: str,
    allowed: dict[str, Any],
) -> dict[str, Any]:
    """The payment section, and the fee parts of the status form (the amount asked for on
    approval of a 事後決済 form, the refund on rejection), with what was typed."""
    transitions = {value for value, _label in allowed["transitions"]}
    rows = fees.payment_rows(submission, language=language, can_act=staff.can_act)
    offer = (
        fees.approval_offer(submission, language=language)
        if Status.APPROVED in transitions
        else None
    )
    data = form.data if isinstance(form, StatusForm) and form.offer is not None else None
    return {
        "has_fees": fees.fee_settings(submission) is not None or bool(rows),
        "payments": rows,
        "withdrawn_paid": submission.status == Status.WITHDRAWN
        and any(row.status == "paid" for row in rows),
        "fee_offer": offer,
        "fee_inputs": [
            {
                "label": line.label.get(language),
                "problem": line.problem,
                "quoted": fees.yen(line.amount),
                "quantity_name": line.quantity_field,
                "quantity": data.get(line.quantity_field, "") if data else line.quantity,
                "unit_name": line.unit_field,
                "unit": data.get(line.unit_field, "") if data else line.unit_amount,
            }
            for line in (offer.lines if offer else ())
        ],
        "fee_quoted_total": fees.yen(offer.total) if offer else "",
        "refund_offered": Status.REJECTED in transitions
        and any(row.status == "paid" for row in rows),
    }


# Where a field's link in the error summary goes when its first input is not its name.
_ANCHORS = {
    "to_status": "status-choices",
    "fields": "fix-choices",
    "fee_total": "fee-lines",
    "no_fee": "no_fee",
}


@staff_required
def detail(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    services.record_staff_view(staff, submission, files=submission.attachments.count())
    return _render_detail(request, staff, submission)


def _sandboxed(response: FileResponse, *, images: bool) -> FileResponse:
    """A file shown, never run: django-csp's whole policy for this response (no scripts, no
    plugins' requests, framed only by us); ``images`` lets an image file load itself."""
    response["X-Content-Type-Options"] = "nosniff"
    response._csp_replace = {  # type: ignore[attr-defined]
        "default-src": ["'none'"],
        **({"img-src": ["'self'"]} if images else {}),
        "style-src": ["'unsafe-inline'"],
        "frame-ancestors": ["'self'"],
        "sandbox": True,
        "script-src": None,
        "form-action": None,
        "base-uri": None,
        "object-src": None,
    }
    return response


@staff_required
@require_GET
@xframe_options_sameorigin
def attachment(request: HttpRequest, receipt_number: str, pk: int) -> HttpResponseBase:
    """One file the resident attached, for staff who may see the application.

    PDF and images open inline (the detail page frames them); anything else, and any file
    asked for with ``?download=1``, downloads. The name is the safe one (the detected
    type's extension), the type the detected one, and the response is sandboxed: a file
    is shown, never run. Every opening is recorded for the resident's access history.
    """
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    try:
        found = submission.attachments.get(pk=pk)
    except Attachment.DoesNotExist as error:
        raise Http404 from error
    inline = found.content_type in INLINE_TYPES and "download" not in request.GET
    # A preview the detail page frames or shows (Sec-Fetch-Dest iframe/image) is part of
    # that page's recorded view; a file opened on its own or downloaded is recorded here.
    if not inline or request.headers.get("Sec-Fetch-Dest", "") not in EMBEDDED_DESTINATIONS:
        services.record_staff_view(staff, submission, part="attachment")
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.display_name,
        content_type=found.content_type if inline else "application/octet-stream",
    )
    return _sandboxed(response, images=True)


@staff_required
@require_GET
def paper_scan(request: HttpRequest, receipt_number: str) -> HttpResponseBase:
    """The scan of a paper application taken in by post, for staff who may see it.

    Served like an attachment (sandboxed, never run), as the PDF it was checked to be at
    intake, under a name made of the receipt number; every opening is recorded.
    """
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    if not submission.paper_scan:
        raise Http404
    services.record_staff_view(staff, submission, part="paper_scan")
    response = FileResponse(
        submission.paper_scan.open("rb"),
        filename=f"{submission.receipt_number}-paper.pdf",
        content_type="application/pdf",
    )
    return _sandboxed(response, images=False)


@staff_required
@require_GET
def print_view(request: HttpRequest, receipt_number: str) -> HttpResponse:
    """One application on paper, for the department's approval (決裁). Needs no script."""
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    services.record_staff_view(staff, submission, part="print")
    schema = submission.form_version.schema
    language = get_language() or "ja"
    sections, other_files = _sections_with_files(submission, _attachment_views(submission))
    local = timezone.localtime(submission.submitted_at)
    return render(
        request,
        "backoffice/print.html",
        {
            "staff": staff,
            "submission": submission,
            "title": schema.title.get(language),
            "department": submission.department.localized_name(language),
            "municipality": submission.municipality.localized_name(language),
            "received": f"{display_date(local.date())} {local:%H:%M}",
            "printed": display_date(timezone.localdate()),
            "sections": sections,
            "attachments": other_files,
            "all_files": _attachment_views(submission),
            "identity": submission.identity,
            "identity_label": identity_levels.label(submission.identity_level),
            "approvals": [_("Director"), _("Deputy director"), _("Section chief"), _("Officer")],
        },
    )


@staff_required
@require_POST
def change_status(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    language = get_language() or "ja"
    keys = [f.key for f in submission.form_version.schema.fields()]
    offer = fees.approval_offer(submission, language=language)
    form = StatusForm(
        request.POST,
        field_keys=keys,
        offer=offer,
        refundable=fees.paid_payment(submission) is not None,
        language=language,
    )
    if not form.is_valid():
        return _render_detail(request, staff, submission, form=form, status=422)
    data = form.cleaned_data
    done = _("The status was changed and the applicant was told.")
    try:
        if data["to_status"] == Status.RETURNED:
            workflow.return_for_correction(
                submission=submission, staff=staff, reason=data["reason"], fields=data["fields"]
            )
        elif data["to_status"] == Status.APPROVED and offer is not None:
            done = _approve(submission, staff, form, offer)
        elif data["to_status"] == Status.REJECTED and form.refundable:
            rejection = fee_services.reject(
                submission=submission,
                staff=staff,
                reason=data["reason"],
                refund_reason=form.refund_reason() if form.wants_refund() else None,
            )
            if rejection.refunded is not None:
                done = _(
                    "The application was rejected and the fee of %(amount)s is being refunded. "
                    "The applicant was told."
                ) % {"amount": fees.yen(rejection.refunded.amount)}
            elif rejection.refund_refused:
                messages.warning(
                    request,
                    _(
                        "The application was rejected, but the fee was not refunded: "
                        "%(problem)s Refund it from the payment section."
                    )
                    % {"problem": rejection.refund_refused},
                )
                return redirect("backoffice:detail", receipt_number=receipt_number)
        else:
            workflow.change_status(
                submission=submission,
                to_status=data["to_status"],
                staff=staff,
                reason=data["reason"],
            )
    except workflow.WorkflowRefused as refused:
        return _render_detail(
            request, staff, submission, form=form, refusals=refused.messages, status=422
        )
    except Refused as refused:
        # The payments app's refusal (the provider is unreachable, the account is not set
        # up): nothing was changed, the decision can be taken again.
        return _render_detail(
            request, staff, submission, form=form, refusals=[str(refused)], status=422
        )
    messages.success(request, done)
    return redirect("backoffice:detail", receipt_number=receipt_number)


def _approve(
    submission: Submission, staff: StaffMember, form: StatusForm, offer: fees.FeeOffer
) -> str:
    """Approve a 事後決済 application with the fee confirmed in ``form``; what to tell staff."""
    payment = fee_services.approve(
        submission=submission,
        staff=staff,
        reason=form.cleaned_data["reason"],
        lines=form.fee_lines,
        quoted_total=offer.total,
        fee_reason=form.cleaned_data.get("fee_reason", "") if form.fee_changed else "",
    )
    if payment is None:
        return _(
            "The application was approved without a fee: no payment was asked for. "
            "The applicant was told."
        )
    return _("The application was approved and the applicant was asked to pay %(amount)s.") % {
        "amount": fees.yen(payment.amount)
    }


@staff_required
@require_POST
def assign(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    form = AssignForm(request.POST, colleagues=selectors.colleagues_for(submission))
    if not form.is_valid():
        # Both inputs checked before anything is saved: nothing half-written.
        return _render_detail(request, staff, submission, form=form, status=422)
    try:
        workflow.assign(submission=submission, staff=staff, assignee=form.chosen_assignee())
        workflow.set_due_date(submission=submission, staff=staff, due=form.cleaned_data["due_date"])
    except workflow.WorkflowRefused as refused:
        return _render_detail(
            request, staff, submission, form=form, refusals=refused.messages, status=422
        )
    messages.success(request, _("Assignment saved."))
    return redirect("backoffice:detail", receipt_number=receipt_number)


@staff_required
@require_POST
def comment(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    form = CommentForm(request.POST)
    form.is_valid()  # nothing to refuse in its shape; the workflow checks the text
    try:
        workflow.add_comment(submission=submission, staff=staff, body=form.cleaned_data["body"])
    except workflow.WorkflowRefused as refused:
        form.add_error("body", refused.message)
        return _render_detail(request, staff, submission, form=form, status=422)
    messages.success(request, _("Comment added."))
    return redirect("backoffice:detail", receipt_number=receipt_number)


@staff_required
@require_POST
def deliver_result(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    form = ResultForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, staff, submission, form=form, status=422)
    try:
        workflow.deliver_result(
            submission=submission, staff=staff, upload=form.cleaned_data["result"]
        )
    except workflow.WorkflowRefused as refused:
        form.add_error("result", refused.message)
        return _render_detail(request, staff, submission, form=form, status=422)
    messages.success(request, _("The result was delivered. The applicant can download it now."))
    return redirect("backoffice:detail", receipt_number=receipt_number)
