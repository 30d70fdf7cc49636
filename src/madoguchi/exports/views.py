"""Staff pages for exports. Thin: rules live in selectors and services."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.db.models import Count
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.forms import SummaryItem, field_errors, summary
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms.models import Form
from madoguchi.submissions.models import Status
from madoguchi.submissions.selectors import inbox_for
from madoguchi.tenants.models import StaffMember

from . import selectors, services
from .columns import available_sources, stored_columns
from .forms import ExportForm, ProfileForm, SelectedForm
from .models import (
    DateStyle,
    ExportEncoding,
    ExportFormat,
    ExportJob,
    ExportProfile,
    JobStatus,
    Unencodable,
)
from .payment_selectors import may_export_payments
from .writers import TooManyRows

DEFAULT_PROFILE = "default"
# Why a finished export can no longer be downloaded (selectors.download_refusal).
REFUSALS = {
    "role": gettext_lazy(
        "This export can no longer be downloaded: the staff member who made it, or you, "
        "may no longer export submissions. Ask your administrator to check the roles; "
        "someone who may export can export again."
    ),
    "scope": gettext_lazy(
        "This export can no longer be downloaded: it covers a department or procedure that "
        "the staff member who made it, or you, can no longer see. Export again from a "
        "procedure you are responsible for."
    ),
}
# The job page reloads itself (HTTP Refresh header, no JavaScript) this often while it runs.
REFRESH_SECONDS = 3


def _staff(request: HttpRequest) -> StaffMember:
    return staff_of(request)


def _form_or_404(staff: StaffMember, form_id: int) -> Form:
    try:
        return selectors.form_for_export(staff, form_id)
    except Form.DoesNotExist as error:
        raise Http404 from error


def _job_or_404(staff: StaffMember, public_id: UUID) -> ExportJob:
    try:
        return selectors.job_for(staff, public_id)
    except ExportJob.DoesNotExist as error:
        raise Http404 from error


def _title(form: Form) -> str:
    if form.current_version is None:
        return form.slug
    return form.current_version.schema.title.get(get_language() or "ja")


@staff_required
@require_GET
def export_home(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    forms = [{"form": f, "title": _title(f)} for f in selectors.exportable_forms(staff)]
    return render(
        request,
        "exports/home.html",
        {
            "staff": staff,
            "forms": forms,
            "jobs": selectors.jobs_for(staff)[:20],
            "may_export": selectors.may_export(staff),
            "may_export_payments": may_export_payments(staff),
        },
    )


@staff_required
@require_POST
def export_selected(request: HttpRequest) -> HttpResponse:
    """The inbox's "export the selected" button: on to the export page of their form."""
    staff = _staff(request)
    receipts = SelectedForm(request.POST).receipts()
    by_form = list(
        inbox_for(staff)
        .filter(receipt_number__in=receipts)
        .values("form_version__form")
        .annotate(count=Count("id"))
        .order_by()
    )
    if len(by_form) == 1:
        query = urlencode({"receipt": receipts}, doseq=True)
        url = reverse("exports:form", args=[by_form[0]["form_version__form"]])
        return redirect(f"{url}?{query}")
    return render(
        request,
        "exports/choose.html",
        {"staff": staff, "none_selected": not by_form},
        status=400,
    )


def _profile_choice(form: Form, value: str | None) -> ExportProfile | None:
    if not value or value == DEFAULT_PROFILE:
        return None
    try:
        return selectors.profiles_for(form).get(pk=int(value))
    except (ValueError, ExportProfile.DoesNotExist):
        return None


@staff_required
@require_http_methods(["GET", "POST"])
def export_form(request: HttpRequest, form_id: int) -> HttpResponse:
    staff = _staff(request)
    form = _form_or_404(staff, form_id)
    if not selectors.may_export(staff):
        return HttpResponseForbidden(_("Your role cannot export submissions."))
    bound = ExportForm(request.POST if request.method == "POST" else request.GET)
    profile = _profile_choice(form, bound.data.get("profile"))
    columns = stored_columns(profile.columns) if profile else selectors.default_columns(form)
    options = bound.options(profile)
    filters = bound.filters()
    if request.method == "POST" and bound.is_valid():
        try:
            job = services.start_export(
                staff=staff,
                request=services.ExportRequest(
                    form=form,
                    columns=columns,
                    filters=filters,
                    profile_name=profile.name if profile else "",
                    **options,
                ),
            )
        except services.NothingToExport:
            bound.add_error("status", _("No submission matches. Change the filters and try again."))
        except TooManyRows:
            bound.add_error(
                "format", _("Excel holds at most 1,048,575 rows. Choose CSV or narrow the filters.")
            )
        except services.ExportNotAllowed as refused:
            raise Http404 from refused
        else:
            ran_at_once = job.rows_total <= services.direct_max_rows()
            if ran_at_once and job.status == JobStatus.DONE and not job.problem_count:
                return _download(staff, job)
            return redirect("exports:job", public_id=job.public_id)
    # Only a POST reports problems; on GET an invalid value is left out (see ExportForm).
    errors = summary(bound, anchors=ExportForm.ANCHORS) if request.method == "POST" else []
    return render(
        request,
        "exports/form.html",
        {
            "staff": staff,
            "form": form,
            "title": _title(form),
            "profile": profile,
            "profiles": selectors.profiles_for(form),
            "columns": columns,
            "options": options,
            "filters": filters,
            "status_choices": Status.choices,
            "format_choices": ExportFormat.choices,
            "encoding_choices": ExportEncoding.choices,
            "date_style_choices": DateStyle.choices,
            "unencodable_choices": Unencodable.choices,
            "errors": errors,
            "field_errors": field_errors(bound) if errors else {},
            "typed": bound.data,
            "direct_max": services.direct_max_rows(),
        },
        status=422 if errors else 200,
    )


def _download(staff: StaffMember, job: ExportJob, *, report: bool = False) -> HttpResponse:
    stored = job.report_file if report else job.file
    if job.status == JobStatus.EXPIRED:
        return HttpResponse(_("This export has expired. Export again."), status=410)
    if job.status != JobStatus.DONE:
        raise Http404
    # The right to the file is checked at every download (see download_refusal).
    refusal = selectors.download_refusal(staff, job)
    if refusal is not None:
        return HttpResponseForbidden(REFUSALS[refusal])
    if not stored:
        raise Http404
    name = f"{job.file_name.rsplit('.', 1)[0]}-report.csv" if report else job.file_name
    # FileResponse streams the stored file in blocks: flat memory for any size.
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "no-store"
    # staff_required is typed for HttpResponse; a streaming response serves the same way.
    return cast(HttpResponse, response)


@staff_required
@require_GET
def export_job(request: HttpRequest, public_id: UUID) -> HttpResponse:
    staff = _staff(request)
    job = _job_or_404(staff, public_id)
    watching = request.GET.get("refresh") != "off"
    refusal = selectors.download_refusal(staff, job) if job.status == JobStatus.DONE else None
    response = render(
        request,
        "exports/job.html",
        {
            "staff": staff,
            "job": job,
            "title": _title(job.form),
            "watching": watching,
            "refusal": REFUSALS[refusal] if refusal else "",
            "not_allowed": REFUSALS["role"],
        },
    )
    if job.in_progress and watching:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@staff_required
@require_GET
def export_job_status(request: HttpRequest, public_id: UUID) -> JsonResponse:
    """The job as JSON, for scripts and htmx: same access rule as the page."""
    staff = _staff(request)
    job = _job_or_404(staff, public_id)
    downloadable = job.status == JobStatus.DONE and selectors.download_refusal(staff, job) is None
    body: dict[str, Any] = {
        "id": str(job.public_id),
        "status": job.status,
        "format": job.format,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "percent": job.percent,
        "sha256": job.sha256 or None,
        "problem_count": job.problem_count,
        "download": (reverse("exports:download", args=[job.public_id]) if downloadable else None),
        "expires_at": job.expires_at.isoformat() if job.expires_at else None,
    }
    return JsonResponse(body, headers={"Cache-Control": "no-store"})


@staff_required
@require_GET
def export_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    staff = _staff(request)
    return _download(staff, _job_or_404(staff, public_id))


@staff_required
@require_GET
def export_report(request: HttpRequest, public_id: UUID) -> HttpResponse:
    staff = _staff(request)
    return _download(staff, _job_or_404(staff, public_id), report=True)


# --- profiles ----------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def export_profile(
    request: HttpRequest, form_id: int, profile_id: int | None = None
) -> HttpResponse:
    staff = _staff(request)
    form = _form_or_404(staff, form_id)
    if not selectors.may_export(staff):
        return HttpResponseForbidden(_("Your role cannot change export profiles."))
    profile = None
    if profile_id is not None:
        try:
            profile = selectors.profiles_for(form).get(pk=profile_id)
        except ExportProfile.DoesNotExist as error:
            raise Http404 from error
    schema = form.current_version.schema if form.current_version else None
    sources = available_sources(schema) if schema else []
    current = stored_columns(profile.columns) if profile else selectors.default_columns(form)
    others = set(selectors.profiles_for(form).values_list("name", flat=True))
    if profile is not None:
        others.discard(profile.name)
    bound = ProfileForm(
        request.POST if request.method == "POST" else None, sources=sources, others=others
    )
    name = profile.name if profile else ""
    errors: list[SummaryItem] = []
    if request.method == "POST":
        name = str(bound["name"].value() or "")
        if bound.is_valid():
            saved = services.save_profile(
                staff=staff,
                form=form,
                name=bound.cleaned_data["name"],
                columns=bound.cleaned_data["columns"],
                encoding=bound.cleaned_data["encoding"] or ExportEncoding.UTF8_BOM,
                date_style=bound.cleaned_data["date_style"] or DateStyle.ISO,
                unencodable=bound.cleaned_data["unencodable"] or Unencodable.REFUSE,
                profile=profile,
            )
            return redirect(f"{reverse('exports:form', args=[form.pk])}?profile={saved.pk}")
        current = bound.cleaned_data.get("columns", [])
        errors = summary(
            bound,
            anchors=ProfileForm.ANCHORS,
            general_anchor="use-0",
            general_label=str(ProfileForm.GENERAL),
        )
    chosen = {c.source: (position, c.header) for position, c in enumerate(current, start=1)}
    rows = [
        {
            "index": index,
            "source": source,
            "used": source.source in chosen,
            "position": chosen.get(source.source, (index + 1, ""))[0],
            "header": chosen.get(source.source, (0, source.header))[1],
        }
        for index, source in enumerate(sources)
    ]
    return render(
        request,
        "exports/profile.html",
        {
            "staff": staff,
            "form": form,
            "title": _title(form),
            "profile": profile,
            "name": name,
            "rows": rows,
            "errors": errors,
            "field_errors": field_errors(bound) if errors else {},
            "encoding": bound.setting("encoding", profile),
            "date_style": bound.setting("date_style", profile),
            "unencodable": bound.setting("unencodable", profile),
            "encoding_choices": ExportEncoding.choices,
            "date_style_choices": DateStyle.choices,
            "unencodable_choices": Unencodable.choices,
        },
        status=422 if errors else 200,
    )
