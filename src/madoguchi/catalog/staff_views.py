"""Staff pages of the procedure inventory (``/staff/catalog/``, namespace ``catalog``).

The list with its filters and counts; a procedure's edit page; the DX office's review; the
departments' "send to the DX office"; the hearing sheet's download (blank or filled, CSV or
XLSX) and upload. Writes go through :mod:`.services`, reads through :mod:`.selectors`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core.forms import summary
from madoguchi.core.refusals import Refused
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.exports.writers import Row, csv_chunks, write_xlsx

from . import hearing_sheet, selectors, services
from .models import Procedure, ReviewState
from .staff_forms import FilterForm, ImportForm, ProcedureForm, ReviewForm


def anchors(form: forms.BaseForm) -> dict[str, str]:
    """Where the error summary links for each field: its input, or a group's first one."""
    return {
        name: f"{bound.auto_id}_0"
        if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
        else str(bound.auto_id)
        for name, bound in ((name, form[name]) for name in form.fields)
    }


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    visible = selectors.procedures_for(staff)
    departments = selectors.visible_departments_for_filter(staff)
    filters_form = FilterForm(request.GET or None, departments=departments)
    filters = selectors.Filters()
    if filters_form.is_bound and filters_form.is_valid():
        filters = selectors.Filters(**filters_form.cleaned_data)
    procedures = selectors.filtered(visible, filters)
    editable = set(selectors.editable_departments(staff).values_list("pk", flat=True))
    return render(
        request,
        "catalog/staff_index.html",
        {
            "filters_form": filters_form,
            "procedures": procedures,
            "counts": selectors.counts(procedures),
            "all_counts": selectors.counts(visible),
            "editable": editable,
            "dx_office": selectors.is_dx_office(staff),
            "departments": departments,
            "drafts": selectors.filtered(visible, filters)
            .filter(review_state=ReviewState.DRAFT, department__in=editable)
            .count(),
            "query": request.GET.urlencode(),
        },
    )


def _procedure(request: HttpRequest, pk: int) -> Procedure:
    return get_object_or_404(selectors.procedures_for(staff_of(request)), pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    """A new procedure, or one of the staff member's departments' procedures."""
    staff = staff_of(request)
    procedure = _procedure(request, pk) if pk is not None else Procedure()
    departments = selectors.editable_departments(staff)
    may_edit = procedure.pk is None or departments.filter(pk=procedure.department_id).exists()
    if not may_edit or not departments.exists():
        if procedure.pk is None:
            raise Http404
        return render(request, "catalog/staff_detail.html", {"procedure": procedure})
    form = ProcedureForm(
        request.POST or None,
        instance=procedure,
        departments=departments,
        forms_available=selectors.forms_of(staff),
    )
    refusals: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_procedure(procedure=form.save(commit=False), by=staff)
        except Refused as refused:
            refusals.append(str(refused.message))
        else:
            messages.success(
                request,
                gettext("The procedure %(id)s is saved.") % {"id": saved.procedure_id},
            )
            return redirect("catalog:edit", pk=saved.pk)
    errors = (
        summary(cast(forms.Form, form), anchors=anchors(form), refusals=refusals)
        if request.method == "POST"
        else []
    )
    return render(
        request,
        "catalog/staff_edit.html",
        {
            "form": form,
            "procedure": procedure if procedure.pk else None,
            "errors": errors,
            "review_form": _review_form(procedure) if selectors.is_dx_office(staff) else None,
        },
        status=422 if errors else 200,
    )


def _review_form(procedure: Procedure, data: object = None) -> ReviewForm | None:
    if procedure.pk is None:
        return None
    return ReviewForm(
        data,  # type: ignore[arg-type]
        initial={
            "target": "1" if procedure.target else "0",
            "exclusion_reason": procedure.exclusion_reason,
            "seal_review": procedure.seal_review,
            "note": procedure.review_note,
            "decision": "accept",
        },
        prefix="review",
    )


@staff_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponseBase:
    staff = staff_of(request)
    if not selectors.is_dx_office(staff):
        raise Http404
    procedure = _procedure(request, pk)
    form = _review_form(procedure, request.POST)
    assert form is not None
    if form.is_valid():
        data = form.cleaned_data
        services.review(
            procedure=procedure,
            decision=services.Decision(
                target=data["target"],
                exclusion_reason=data["exclusion_reason"],
                seal_review=data["seal_review"],
                note=data["note"],
                accept=data["decision"] == "accept",
            ),
            by=staff,
        )
        messages.success(request, gettext("The review is saved."))
        return redirect("catalog:edit", pk=procedure.pk)
    errors = summary(form, anchors=anchors(form))
    departments = selectors.editable_departments(staff)
    return render(
        request,
        "catalog/staff_edit.html",
        {
            "form": ProcedureForm(
                instance=procedure,
                departments=departments,
                forms_available=selectors.forms_of(staff),
            ),
            "procedure": procedure,
            "errors": errors,
            "review_form": form,
        },
        status=422,
    )


@staff_required
@require_POST
def submit(request: HttpRequest) -> HttpResponseBase:
    """Send drafts to the DX office: one procedure (``procedure``) or every draft shown."""
    staff = staff_of(request)
    visible = selectors.procedures_for(staff).filter(
        department__in=selectors.editable_departments(staff)
    )
    if request.POST.get("procedure"):
        if not request.POST["procedure"].isdigit():
            raise Http404
        chosen = visible.filter(pk=int(request.POST["procedure"]))
    else:
        filters_form = FilterForm(
            request.POST, departments=selectors.visible_departments_for_filter(staff)
        )
        filters = selectors.Filters()
        if filters_form.is_valid():
            filters = selectors.Filters(**filters_form.cleaned_data)
        chosen = selectors.filtered(visible, filters)
    sent = services.submit(procedures=list(chosen), by=staff)
    messages.success(
        request,
        ngettext(
            "%(count)d procedure was sent to the DX office.",
            "%(count)d procedures were sent to the DX office.",
            sent,
        )
        % {"count": sent},
    )
    if request.POST.get("procedure"):
        procedure = chosen.first()
        if procedure is not None:
            return redirect("catalog:edit", pk=procedure.pk)
    return redirect("catalog:index")


@staff_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The hearing sheet: blank (``blank=1``) or filled, for one department or all visible."""
    staff = staff_of(request)
    kind = request.GET.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise Http404
    procedures = selectors.procedures_for(staff)
    department = request.GET.get("department", "")
    if department:
        procedures = procedures.filter(department__code=department)
    rows = [] if request.GET.get("blank") else services.sheet_rows(procedures)
    name = f"hearing-sheet-{staff.municipality.lg_code}{'-' + department if department else ''}"
    if kind == "csv":
        body = b"".join(
            csv_chunks(
                hearing_sheet.HEADERS,
                (
                    Row(r.procedure_id, [str(c) for c in hearing_sheet.export_cells(r)])
                    for r in rows
                ),
            )
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "sheet.xlsx"
            write_xlsx(
                hearing_sheet.HEADERS,
                (Row(r.procedure_id, list(hearing_sheet.export_cells(r))) for r in rows),
                path,
            )
            body = path.read_bytes()
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponseBase:
    """Import a hearing sheet: every row or none, the problems per row and column."""
    staff = staff_of(request)
    if not selectors.editable_departments(staff).exists():
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[hearing_sheet.Problem] = []
    refusal = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_sheet(
                data=upload.read(hearing_sheet.MAX_BYTES + 1), filename=upload.name, by=staff
            )
        except services.InvalidSheet as invalid:
            problems = invalid.problems
            refusal = str(invalid.message)
        except Refused as refused:
            refusal = str(refused.message)
        else:
            messages.success(
                request,
                gettext("Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("catalog:index")
    errors = summary(form, refusals=[refusal] if refusal else [], general_anchor="problems")
    return render(
        request,
        "catalog/staff_import.html",
        {
            "form": form,
            "errors": errors if request.method == "POST" else [],
            "problems": problems,
            "headers": hearing_sheet.HEADERS,
        },
        status=422 if request.method == "POST" else 200,
    )
