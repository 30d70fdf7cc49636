"""Intake pages (``/staff/mail/``): scan or type the paper's code, check it, accept it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core.csp import allow_webassembly
from madoguchi.core.forms import field_errors, summary
from madoguchi.core.refusal_views import add_to_form, message_of
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms import rendering
from madoguchi.tenants.models import StaffMember

from . import intake
from .intake_forms import AcceptForm, ScanForm

INTAKE_TEMPLATE = "mailin/intake.html"
REVIEW_TEMPLATE = "mailin/intake_review.html"


def _scan_page(
    request: HttpRequest, form: ScanForm, *, duplicate: intake.AlreadyArrived | None = None
) -> HttpResponse:
    context: dict[str, Any] = {
        "staff": staff_of(request),
        "form": form,
        "errors": summary(form, general_anchor="scan"),
        "field_errors": field_errors(form),
        "duplicate": duplicate.submission if duplicate is not None else None,
    }
    status = 200 if form.is_bound is False or not form.errors else 422
    # The camera scanner's reader is WebAssembly (core.csp): this page only.
    return allow_webassembly(render(request, INTAKE_TEMPLATE, context, status=status))


def _refused_scan(request: HttpRequest, text: str, refused: Refused) -> HttpResponse:
    form = ScanForm({"scan": text})
    form.is_valid()
    # Every refusal here is about what was scanned or typed: shown at the input.
    form.add_error("scan", message_of(refused))
    duplicate = refused if isinstance(refused, intake.AlreadyArrived) else None
    return _scan_page(request, form, duplicate=duplicate)


def _review_page(
    request: HttpRequest, found: intake.Found, form: AcceptForm, *, status: int = 200
) -> HttpResponse:
    application = found.application
    context: dict[str, Any] = {
        "staff": staff_of(request),
        "application": application,
        "from_paper": found.from_paper,
        "sealed": found.sealed,
        "no_scan": found.no_scan,
        "sections": rendering.answer_sections(
            application.form_version.schema, found.answers, answered_only=True
        ),
        "title": application.form_version.schema.title.get("ja"),
        "form": form,
        "errors": summary(form, anchors={"enclosures": "enclosure-0"}),
        "field_errors": field_errors(form),
    }
    return render(request, REVIEW_TEMPLATE, context, status=status)


def _accept_form(found: intake.Found, *args: Any, **kwargs: Any) -> AcceptForm:
    return AcceptForm(
        *args,
        questions=intake.questions(found.application),
        enclosures=intake.enclosures(found.application),
        sealed=found.no_scan,
        **kwargs,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def intake_page(request: HttpRequest) -> HttpResponseBase:
    """GET: the focused scan input. POST: the application the scan names, to check."""
    staff: StaffMember = staff_of(request)
    if request.method == "GET":
        return _scan_page(request, ScanForm())
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _scan_page(request, form)
    text = form.cleaned_data["scan"]
    try:
        found = intake.find(staff=staff, text=text)
    except Refused as refused:
        return _refused_scan(request, text, refused)
    accept_form = _accept_form(
        found, initial={"scan": text.strip(), "received_on": timezone.localdate()}
    )
    return _review_page(request, found, accept_form)


@staff_required
@require_POST
def accept(request: HttpRequest) -> HttpResponseBase:
    """Take the paper in; on success, the new submission's page."""
    staff: StaffMember = staff_of(request)
    text = request.POST.get("scan", "")
    try:
        found = intake.find(staff=staff, text=text)
    except Refused as refused:
        return _refused_scan(request, text, refused)
    form = _accept_form(found, request.POST, request.FILES)
    if not form.is_valid():
        return _review_page(request, found, form, status=422)
    try:
        submission = intake.accept(
            staff=staff,
            text=text,
            received_on=form.cleaned_data["received_on"],
            enclosures_received=form.cleaned_data["enclosures"],
            change=form.change(),
            paper_scan=form.cleaned_data["paper_scan"],
        )
    except intake.IntakeRefused as refused:
        return _refused_scan(request, text, refused)
    except Refused as refused:  # the answers no longer pass, or the form is closed
        add_to_form(form, refused)
        return _review_page(request, found, form, status=422)
    messages.success(
        request,
        _("Taken in as %(receipt)s.") % {"receipt": submission.receipt_number},
    )
    return redirect(reverse("backoffice:detail", args=[submission.receipt_number]))
