"""One submission: its answers and files, printing, and what staff do with it
(status, assignment, comments, result)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms import rendering
from madoguchi.forms.answers import display_date
from madoguchi.submissions import corrections, workflow
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Attachment, Status, Submission
from madoguchi.tenants.models import StaffMember

from .. import selectors, services


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
    problem: str = "",
    problems: list[str] | None = None,
    entered: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    schema = submission.form_version.schema
    language = get_language() or "ja"
    sections, other_files = _sections_with_files(submission, _attachment_views(submission))
    field_keys = {f.key for f in schema.fields()}
    context = {
        "staff": staff,
        "submission": submission,
        "title": schema.title.get(language),
        "sections": sections,
        "attachments": other_files,
        "identity": submission.identity,
        "prefilled_labels": [
            schema.field(key).label.get(language)
            for key in submission.prefilled_fields
            if key in field_keys
        ],
        # Every problem of the form at once (not the first only).
        "problems": problems or ([problem] if problem else []),
        "entered": entered or {},
    } | selectors.workflow_context(staff, submission, language=language)
    # Labels and readable values, before → after (never keys or stored structures).
    context["correction_history"] = corrections.correction_history(submission, language=language)
    return render(request, "backoffice/detail.html", context, status=status)


@staff_required
def detail(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    services.record_staff_view(staff, submission, files=submission.attachments.count())
    return _render_detail(request, staff, submission)


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
    response["X-Content-Type-Options"] = "nosniff"
    # django-csp: this response's whole policy (no scripts, no plugins' requests, framed by us).
    response._csp_replace = {  # type: ignore[attr-defined]
        "default-src": ["'none'"],
        "img-src": ["'self'"],
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
            "approvals": [_("Director"), _("Deputy director"), _("Section chief"), _("Officer")],
        },
    )


@staff_required
@require_POST
def change_status(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    to_status = request.POST.get("to_status", "")
    reason = request.POST.get("reason", "")
    try:
        if to_status == Status.RETURNED:
            workflow.return_for_correction(
                submission=submission,
                staff=staff,
                reason=reason,
                fields=request.POST.getlist("fields"),
            )
        else:
            workflow.change_status(
                submission=submission, to_status=to_status, staff=staff, reason=reason
            )
    except workflow.WorkflowRefused as refused:
        entered = {
            "to_status": to_status,
            "reason": reason,
            "fields": request.POST.getlist("fields"),
        }
        return _render_detail(
            request, staff, submission, problems=refused.messages, entered=entered, status=422
        )
    messages.success(request, _("The status was changed and the applicant was told."))
    return redirect("backoffice:detail", receipt_number=receipt_number)


@staff_required
@require_POST
def assign(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    assignee_id = request.POST.get("assignee", "")
    due = request.POST.get("due_date", "")
    entered = {"assignee": assignee_id, "due_date": due}
    problems: list[str] = []
    assignee = None
    if assignee_id:
        assignee = next(
            (c for c in selectors.colleagues_for(submission) if str(c.pk) == assignee_id), None
        )
        if assignee is None:
            problems.append(_("Choose a colleague from the list."))
    due_date = None
    if due:
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            problems.append(_("Enter the due date as a date such as 2026-12-01."))
    if problems:
        # Both inputs checked before anything is saved: nothing half-written.
        return _render_detail(
            request, staff, submission, problems=problems, entered=entered, status=422
        )
    try:
        workflow.assign(submission=submission, staff=staff, assignee=assignee)
        workflow.set_due_date(submission=submission, staff=staff, due=due_date)
    except workflow.WorkflowRefused as refused:
        return _render_detail(
            request, staff, submission, problems=refused.messages, entered=entered, status=422
        )
    messages.success(request, _("Assignment saved."))
    return redirect("backoffice:detail", receipt_number=receipt_number)


@staff_required
@require_POST
def comment(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    body = request.POST.get("body", "")
    try:
        workflow.add_comment(submission=submission, staff=staff, body=body)
    except workflow.WorkflowRefused as refused:
        return _render_detail(
            request, staff, submission, problem=refused.message, entered={"body": body}, status=422
        )
    messages.success(request, _("Comment added."))
    return redirect("backoffice:detail", receipt_number=receipt_number)


@staff_required
@require_POST
def deliver_result(request: HttpRequest, receipt_number: str) -> HttpResponse:
    staff = staff_of(request)
    submission = _submission_or_404(staff, receipt_number)
    upload = request.FILES.get("result")
    try:
        if upload is None:
            raise workflow.WorkflowRefused(_("Choose the PDF to deliver."))
        workflow.deliver_result(submission=submission, staff=staff, upload=upload)
    except workflow.WorkflowRefused as refused:
        return _render_detail(request, staff, submission, problem=refused.message, status=422)
    messages.success(request, _("The result was delivered. The applicant can download it now."))
    return redirect("backoffice:detail", receipt_number=receipt_number)
