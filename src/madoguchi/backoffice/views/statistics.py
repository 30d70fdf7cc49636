"""Statistics per form, as charts and as CSV."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.core.spreadsheet import CsvWriter
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms.models import Form
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.tenants.models import StaffMember
from madoguchi.tenants.selectors import visible_departments

from .. import aggregation, selectors, statistics_panels


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
    return render(
        request,
        "backoffice/statistics.html",
        {
            "staff": staff,
            "forms": choices,
            "sections": statistics_panels.render(request, staff),
        },
    )


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
    for bar in figures.by_channel:
        writer.writerow([_("Channel"), bar.label, bar.count, bar.percent])
    for bar in figures.by_day:
        writer.writerow([_("Received per day"), bar.label, bar.count, bar.percent])
    for distribution in figures.choices:
        for bar in distribution.bars:
            writer.writerow([distribution.label, bar.label, bar.count, bar.percent])
    for bar in figures.drop_off:
        writer.writerow([_("How far residents got"), bar.label, bar.count, bar.percent])
    return response
