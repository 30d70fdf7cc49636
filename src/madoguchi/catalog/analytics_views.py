"""The improvement analytics page of one form (``/staff/catalog/forms/<id>/analytics/``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from madoguchi.core.staff import staff_of, staff_required

from . import analytics
from .models import Procedure


@staff_required
@require_GET
def form_analytics(request: HttpRequest, form_id: int) -> HttpResponse:
    """The form's department (and the city's administrators) only; others get a 404."""
    form = get_object_or_404(analytics.forms_for(staff_of(request)), pk=form_id)
    if form.current_version is None:
        raise Http404
    language = (get_language() or "ja")[:2]
    return render(
        request,
        "catalog/form_analytics.html",
        {
            "form": form,
            "title": form.current_version.schema.title.get(language),
            "procedure": Procedure.objects.filter(form=form).first(),
            "figures": analytics.form_analytics(form, language=language),
            "abandoned_days": analytics.ABANDONED_DAYS,
        },
    )
