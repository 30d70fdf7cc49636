"""Staff pages. Every page but login requires a password and a verified second factor."""

from __future__ import annotations

from base64 import b32encode
from datetime import date
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.ratelimit import allow
from madoguchi.core.spreadsheet import CsvWriter
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms import rendering
from madoguchi.forms.answers import display_date
from madoguchi.forms.models import Form
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions import corrections, workflow
from madoguchi.submissions.models import Attachment, Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from . import aggregation, selectors, services

PENDING_USER = "madoguchi_pending_staff"


def login_failed_message() -> str:
    # One message for every failure, so that it does not tell which user names exist.
    return _(
        "The user name or password is wrong, or there were too many attempts. "
        "Check them and try again in a few minutes; if it still fails, ask your administrator."
    )


def code_failed_message() -> str:
    return _(
        "The code is wrong or has expired, or there were too many attempts. "
        "Enter the 6-digit code your authenticator app shows now; "
        "if it still fails after a few minutes, ask your administrator."
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/staff/") and "//" not in target else "/staff/"


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        if not allow(request, "login"):
            return render(request, "core/too_many_requests.html", status=429)
        outcome = services.check_password(
            request, username=username, password=request.POST.get("password", "")
        )
        if outcome.user is None:
            error = login_failed_message()
        else:
            request.session.cycle_key()
            request.session[PENDING_USER] = outcome.user.pk
            if services.confirmed_device(outcome.user) is None:
                return redirect("backoffice:otp_setup")
            return redirect(f"{reverse('backoffice:otp')}?next={_safe_next(request)}")
    return render(
        request,
        "backoffice/login.html",
        {"error": error, "username": username, "next": _safe_next(request)},
        status=401 if error else 200,
    )


def _pending_staff(request: HttpRequest) -> StaffMember | None:
    user_id = request.session.get(PENDING_USER)
    if user_id is None:
        return None
    return StaffMember.objects.select_related("user").filter(user_id=user_id).first()


def _complete_login(request: HttpRequest, staff: StaffMember, device: TOTPDevice) -> None:
    request.session.pop(PENDING_USER, None)
    login(request, staff.user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)


@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    staff = _pending_staff(request)
    if staff is None:
        return redirect("backoffice:login")
    device = services.confirmed_device(staff.user)
    if device is None:
        return redirect("backoffice:otp_setup")
    error = ""
    if request.method == "POST":
        if not allow(request, "login"):
            return render(request, "core/too_many_requests.html", status=429)
        outcome = services.check_code(
            request, staff=staff, device=device, code=request.POST.get("code", "")
        )
        if outcome.user is not None:
            _complete_login(request, staff, device)
            return redirect(_safe_next(request))
        if outcome.locked:
            request.session.pop(PENDING_USER, None)
        error = code_failed_message()
    return render(
        request,
        "backoffice/otp.html",
        {"error": error, "next": _safe_next(request)},
        status=401 if error else 200,
    )


@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    staff = _pending_staff(request)
    if staff is None:
        return redirect("backoffice:login")
    if services.confirmed_device(staff.user) is not None:
        return redirect("backoffice:otp")
    error = ""
    device = TOTPDevice.objects.filter(user=staff.user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        if services.confirm_enrolment(
            staff=staff, device=device, code=request.POST.get("code", "")
        ):
            _complete_login(request, staff, device)
            return redirect("backoffice:inbox")
        error = _("The code is wrong. Enter the 6-digit code your authenticator app shows now.")
    if device is None:
        device = services.start_enrolment(staff.user)
    secret = b32encode(bytes.fromhex(device.key)).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "backoffice/otp_setup.html",
        {"error": error, "secret": secret, "qr": qr},
        status=401 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("backoffice:login")


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    filters = selectors.InboxFilters.from_query(request.GET)
    page = selectors.inbox_page(
        staff, filters, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    language = get_language() or "ja"
    titles: dict[int, str] = {}
    rows = []
    for s in page.rows:
        if s.form_version_id not in titles:
            titles[s.form_version_id] = s.form_version.schema.title.get(language)
        rows.append(
            {
                "submission": s,
                "title": titles[s.form_version_id],
                "department": s.department.localized_name(language),
                "transitions": " ".join(sorted(selectors.bulk_transitions(s))),
            }
        )
    kept = filters.as_query()
    return render(
        request,
        "backoffice/inbox.html",
        {
            "staff": staff,
            "rows": rows,
            "filters": filters,
            "query": filters.query,
            "next_url": "?" + urlencode(kept | {"after": page.next_cursor})
            if page.next_cursor
            else "",
            "previous_url": "?" + urlencode(kept | {"before": page.previous_cursor})
            if page.previous_cursor
            else "",
        }
        | selectors.inbox_choices(staff, language=language, rows=page.rows),
    )


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
def bulk_status(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    chosen = request.POST.getlist("receipt")[:200]
    submissions = list(
        submission_selectors.inbox_for(staff)
        .filter(receipt_number__in=chosen)
        .select_related("form_version")
    )
    if not chosen:
        messages.error(request, _("Choose at least one submission."))
        return redirect("backoffice:inbox")
    to_status = request.POST.get("to_status", "")
    refused = selectors.bulk_refusals(submissions, to_status)
    if refused:
        # All or nothing: a bulk change never leaves half of the selection changed.
        messages.error(
            request,
            _(
                "Nothing was changed: %(numbers)s cannot become “%(target)s” from their "
                "current status. Untick them or choose another status."
            )
            % {
                "numbers": "、".join(refused),
                "target": Status(to_status).label if to_status in Status.values else to_status,
            },
        )
        return redirect("backoffice:inbox")
    result = workflow.change_status_bulk(
        submissions=submissions,
        to_status=to_status,
        staff=staff,
        reason=request.POST.get("reason", ""),
    )
    if result.changed:
        messages.success(
            request,
            _("Changed: %(numbers)s") % {"numbers": "、".join(result.changed)},
        )
    for number, why in result.refused.items():
        messages.error(request, f"{number}: {why}")
    return redirect("backoffice:inbox")


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


def _visible_form(staff: StaffMember, form_id: int) -> Form:
    try:
        return Form.objects.select_related("current_version").get(
            pk=form_id,
            department__in=visible_departments(staff),
            current_version__isnull=False,
        )
    except Form.DoesNotExist as error:
        raise Http404 from error


@staff_required
def statistics(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    language = get_language() or "ja"
    choices = selectors.inbox_choices(staff, language=language)["form_choices"]
    return render(request, "backoffice/statistics.html", {"staff": staff, "forms": choices})


@staff_required
def form_statistics(request: HttpRequest, form_id: int) -> HttpResponse:
    staff = staff_of(request)
    form = _visible_form(staff, form_id)
    language = get_language() or "ja"
    figures = aggregation.form_figures(
        form, submission_selectors.inbox_for(staff).values("pk"), language=language
    )
    assert form.current_version is not None
    return render(
        request,
        "backoffice/form_statistics.html",
        {
            "staff": staff,
            "form": form,
            "title": form.current_version.schema.title.get(language),
            "figures": figures,
        },
    )


@staff_required
def form_statistics_csv(request: HttpRequest, form_id: int) -> HttpResponse:
    """The same figures as a CSV (UTF-8 with BOM, so spreadsheet software reads Japanese)."""
    staff = staff_of(request)
    form = _visible_form(staff, form_id)
    language = get_language() or "ja"
    figures = aggregation.form_figures(
        form, submission_selectors.inbox_for(staff).values("pk"), language=language
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{form.slug}-statistics.csv"'
    response.write("\ufeff")
    # Labels come from staff (and from templates shared with other cities): defused.
    writer = CsvWriter(response)
    writer.writerow([_("Section"), _("Item"), _("Count"), _("Percent")])
    for bar in figures.by_status:
        writer.writerow([_("Status"), bar.label, bar.count, bar.percent])
    for bar in figures.by_day:
        writer.writerow([_("Received per day"), bar.label, bar.count, bar.percent])
    for distribution in figures.choices:
        for bar in distribution.bars:
            writer.writerow([distribution.label, bar.label, bar.count, bar.percent])
    for bar in figures.drop_off:
        writer.writerow([_("How far residents got"), bar.label, bar.count, bar.percent])
    return response
