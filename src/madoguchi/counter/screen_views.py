"""The counter screen (``/staff/counter/``): scan or type a pre-registration, serve the
visit (answers, edits with a reason, identity, the resident's confirmation, accept), close.

Every page works without JavaScript: each action is a form that posts and redirects back
to the visit. The resident display and the card reader (``card_views.panel_context`` and
``counter/display_panel.html``) and staff-assisted entry (``counter:assisted_start``) plug
in where their parts exist.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core.csp import allow_webassembly
from madoguchi.core.forms import field_errors, summary
from madoguchi.core.refusal_views import flash, message_of
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms import answers as form_answers
from madoguchi.forms import rendering
from madoguchi.submissions import services as submission_services
from madoguchi.tenants.models import StaffMember

from . import card, selectors, services
from .models import ApplicationState, Assurance, Visit, VisitApplication
from .screen_forms import ReasonForm, ScanForm, StartForm, VisualCheckForm

HOME_TEMPLATE = "counter/screen.html"
VISIT_TEMPLATE = "counter/visit.html"
EDIT_TEMPLATE = "counter/edit.html"
# The clerk's desk name, remembered for the next visit in this browser session.
COUNTER_SESSION_KEY = "counter_name"


def _optional_url(name: str, visit: Visit) -> str:
    """The URL of a part another helper's module adds, or "" while it is not there."""
    for kwargs in ({"visit_id": visit.pk}, {"pk": visit.pk}):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return ""


def _optional_application_url(name: str, application: VisitApplication) -> str:
    try:
        return reverse(name, kwargs={"application_id": application.pk})
    except NoReverseMatch:
        return ""


def _sex_label(visit: Visit) -> str:
    """The person's sex as the page says it: typed ("male"/"female") or the card's code
    ("1"/"2"; "9" is 適用不能)."""
    value = str((visit.person or {}).get("sex") or "")
    labels = {"male": _("Male"), "female": _("Female"), "1": _("Male"), "2": _("Female")}
    if not value:
        return ""
    return labels.get(value, _("Not applicable"))


def card_refusal_message(visit: Visit) -> str:
    """Why the card was last refused (a read or a signature), in the clerk's words (the
    display only tells the resident the card could not be used)."""
    if not visit.card_refusal:
        return ""
    return message_of(card.CardRefused(visit.card_refusal))


def _display_panel(visit: Visit) -> dict[str, Any] | None:
    """The context of the resident display and card panel (``counter/display_panel.html``,
    from ``card_views.panel_context``: one key, ``display_panel``), or None while that part
    is not there."""
    try:
        card_views = importlib.import_module("madoguchi.counter.card_views")
    except ModuleNotFoundError:
        return None
    panel_context = getattr(card_views, "panel_context", None)
    if panel_context is None:
        return None
    return dict(panel_context(visit))


def _visit(request: HttpRequest, visit_id: int) -> Visit:
    try:
        return selectors.visits_for(staff_of(request)).get(pk=visit_id)
    except Visit.DoesNotExist as error:
        raise Http404 from error


def _application(visit: Visit, application_id: int) -> VisitApplication:
    try:
        return visit.applications.select_related("form_version__form").get(pk=application_id)
    except VisitApplication.DoesNotExist as error:
        raise Http404 from error


def _home(request: HttpRequest, form: ScanForm, *, refused: Refused | None = None) -> HttpResponse:
    staff: StaffMember = staff_of(request)
    if refused is not None:
        form.add_error("scan", message_of(refused))
    context = {
        "staff": staff,
        "form": form,
        "errors": summary(form),
        "field_errors": field_errors(form),
        "counter_name": request.session.get(COUNTER_SESSION_KEY, ""),
        "open_visits": selectors.open_visits(staff)[:20],
    }
    status = 422 if form.is_bound and form.errors else 200
    # The camera scanner's reader (issue 15) is WebAssembly (core.csp): these pages only.
    return allow_webassembly(render(request, HOME_TEMPLATE, context, status=status))


def _remember_counter(request: HttpRequest, name: str) -> str:
    name = name.strip()
    request.session[COUNTER_SESSION_KEY] = name
    return name


@staff_required
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponseBase:
    """GET: the focused scan input. POST: check the scanned pre-registration in, in a new
    visit, and open it."""
    if request.method == "GET":
        return _home(request, ScanForm())
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _home(request, form)
    staff: StaffMember = staff_of(request)
    counter_name = _remember_counter(request, form.cleaned_data["counter_name"])
    try:
        preregistration = selectors.find(clerk=staff, text=form.cleaned_data["scan"])
        application = services.check_in_new_visit(
            clerk=staff, preregistration=preregistration, counter_name=counter_name
        )
    except Refused as refused:
        return _home(request, form, refused=refused)
    return redirect("counter:visit", visit_id=application.visit_id)


@staff_required
@require_POST
def start(request: HttpRequest) -> HttpResponseBase:
    """「事前登録なしで受付を始める」: a visit without pre-registration; the procedure picker
    of staff-assisted entry follows when it is there."""
    form = StartForm(request.POST)
    counter_name = form.cleaned_data["counter_name"] if form.is_valid() else ""
    try:
        visit = services.open_visit(
            clerk=staff_of(request), counter_name=_remember_counter(request, counter_name)
        )
    except Refused as refused:
        flash(request, refused)
        return redirect("counter:home")
    return redirect(_optional_url("counter:assisted_start", visit) or visit_url(visit))


def visit_url(visit: Visit) -> str:
    return reverse("counter:visit", kwargs={"visit_id": visit.pk})


def _visit_page(
    request: HttpRequest,
    visit: Visit,
    *,
    scan_form: ScanForm | None = None,
    check_form: VisualCheckForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scan_form = scan_form or ScanForm()
    check_form = check_form or VisualCheckForm(initial={"documents": list(visit.documents_shown)})
    applications = []
    for application in visit.applications.select_related("form_version__form", "submission"):
        current = services.answers_sha256(application)
        applications.append(
            {
                "application": application,
                "title": application.form_version.schema.title.get("ja"),
                "rows": selectors.answer_rows(application),
                "edits": selectors.edits_of(application),
                "confirmed": application.state == ApplicationState.CONFIRMED
                and application.confirmed_sha256 == current,
                "open": application.state
                not in (
                    ApplicationState.SUBMITTED,
                    ApplicationState.CANCELLED,
                    ApplicationState.ON_PAPER,
                ),
                "on_paper": application.state == ApplicationState.ON_PAPER,
                # Staff-assisted entry's page of the application: its paper to print.
                "saved_url": _optional_application_url("counter:assisted_saved", application),
            }
        )
    panel = _display_panel(visit) if visit.closed_at is None else None
    context = {
        "staff": staff_of(request),
        "visit": visit,
        "applications": applications,
        "is_open": visit.closed_at is None,
        "identity_checked": visit.assurance != Assurance.NONE,
        "scan_form": scan_form,
        "check_form": check_form,
        "errors": [
            *summary(scan_form),
            *summary(check_form, anchors={"documents": "id_documents_0"}),
        ],
        "field_errors": field_errors(scan_form) | field_errors(check_form),
        # The resident display and the card reader (card_views), when installed.
        **(panel or {}),
        "assisted_url": _optional_url("counter:assisted_start", visit),
        "person_url": _optional_url("counter:assisted_person", visit),
        "person_sex": _sex_label(visit),
        "card_refusal": card_refusal_message(visit),
    }
    return allow_webassembly(render(request, VISIT_TEMPLATE, context, status=status))


@staff_required
@require_http_methods(["GET"])
def visit(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    return _visit_page(request, _visit(request, visit_id))


@staff_required
@require_POST
def check_in(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    """Another pre-registration of the same person, into this visit."""
    visit = _visit(request, visit_id)
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _visit_page(request, visit, scan_form=form, status=422)
    staff: StaffMember = staff_of(request)
    try:
        preregistration = selectors.find(clerk=staff, text=form.cleaned_data["scan"])
        services.check_in(visit=visit, preregistration=preregistration, clerk=staff)
    except Refused as refused:
        form.add_error("scan", message_of(refused))
        return _visit_page(request, visit, scan_form=form, status=422)
    return redirect(visit_url(visit))


@staff_required
@require_POST
def identity(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    """Record the identity documents the resident showed (窓口・目視確認)."""
    visit = _visit(request, visit_id)
    form = VisualCheckForm(request.POST)
    if not form.is_valid():
        return _visit_page(request, visit, check_form=form, status=422)
    try:
        services.record_visual_check(
            visit=visit, clerk=staff_of(request), documents=form.cleaned_data["documents"]
        )
    except Refused as refused:
        form.add_error(None, message_of(refused))
        return _visit_page(request, visit, check_form=form, status=422)
    messages.success(request, _("The identity check was recorded."))
    return redirect(visit_url(visit) + "#identity")


@staff_required
@require_POST
def accept(request: HttpRequest, visit_id: int, application_id: int) -> HttpResponseBase:
    """Accept one application: it becomes a submission in the inbox, tagged 「窓口」."""
    visit = _visit(request, visit_id)
    application = _application(visit, application_id)
    try:
        submission = services.submit_application(application=application, clerk=staff_of(request))
    except submission_services.SubmissionRefused as refused:
        messages.error(
            request,
            _("The answers do not pass the form's checks: %(problems)s")
            % {"problems": " ".join(m for ms in refused.errors.values() for m in ms)},
        )
        return redirect(
            reverse("counter:edit", kwargs={"visit_id": visit.pk, "application_id": application.pk})
        )
    except Refused as refused:
        flash(request, refused)
        return redirect(visit_url(visit) + f"#application-{application.pk}")
    messages.success(
        request, _("Accepted as %(receipt)s.") % {"receipt": submission.receipt_number}
    )
    return redirect(visit_url(visit) + f"#application-{application.pk}")


@staff_required
@require_POST
def close(request: HttpRequest, visit_id: int) -> HttpResponseBase:
    """End the visit; the person's data on it is cleared."""
    visit = _visit(request, visit_id)
    try:
        services.close_visit(visit=visit, clerk=staff_of(request))
    except Refused as refused:
        flash(request, refused)
        return redirect(visit_url(visit))
    messages.success(request, _("The visit was closed."))
    return redirect("counter:home")


def _edit_page(
    request: HttpRequest,
    visit: Visit,
    application: VisitApplication,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    reason_form: ReasonForm,
    status: int = 200,
) -> HttpResponse:
    locked = frozenset(application.prefilled_fields)
    answers = application.answers | values
    fields = [
        rendering.field_view(
            f,
            value=values.get(f.key, application.answers.get(f.key)),
            errors=errors.get(f.key, []),
            answers=answers,
            locked=f.key in locked,
            locked_keys=locked,
        )
        for f in selectors.questions(application)
    ]
    summary_items: list[Any] = [(f, e) for f in fields for e in f.errors]
    summary_items += [
        {"url": "#id_reason", "label": _("Reason"), "message": str(m)}
        for m in reason_form.errors.get("reason", [])
    ]
    context = {
        "staff": staff_of(request),
        "visit": visit,
        "application": application,
        "title": application.form_version.schema.title.get("ja"),
        "fields": fields,
        "errors": summary_items,
        "reason_form": reason_form,
        "field_errors": field_errors(reason_form),
    }
    return render(request, EDIT_TEMPLATE, context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, visit_id: int, application_id: int) -> HttpResponseBase:
    """Every answer of one application on one page, changed with the resident, with why."""
    visit = _visit(request, visit_id)
    application = _application(visit, application_id)
    if visit.closed_at is not None or application.state in (
        ApplicationState.SUBMITTED,
        ApplicationState.CANCELLED,
        ApplicationState.ON_PAPER,
    ):
        return redirect(visit_url(visit))
    if request.method == "GET":
        return _edit_page(
            request, visit, application, values={}, errors={}, reason_form=ReasonForm()
        )
    questions = selectors.questions(application)
    raw = {
        f.key: form_answers.raw_from_post(f, request.POST)
        for f in questions
        if f.key not in application.prefilled_fields
    }
    reason_form = ReasonForm(request.POST)
    reason_ok = reason_form.is_valid()
    try:
        if not reason_ok:
            # Check the answers too, so every problem shows at once.
            checked = form_answers.clean_answers(
                application.form_version.schema,
                application.answers | raw,
                fields=[f for f in questions if f.key in raw],
                known=application.answers | raw,
            )
            raise submission_services.SubmissionRefused(checked.errors)
        edits = services.edit_answers(
            application=application,
            clerk=staff_of(request),
            answers=raw,
            reason=reason_form.cleaned_data["reason"],
        )
    except submission_services.SubmissionRefused as refused:
        return _edit_page(
            request,
            visit,
            application,
            values=raw,
            errors=refused.errors,
            reason_form=reason_form,
            status=422,
        )
    except Refused as refused:
        flash(request, refused)
        return redirect(visit_url(visit))
    if edits:
        messages.success(
            request,
            _("%(count)d answers changed. Ask the resident to confirm again.")
            % {"count": len(edits)},
        )
    else:
        messages.info(request, _("Nothing was changed."))
    return redirect(visit_url(visit) + f"#application-{application.pk}")
