"""The city's public page of its coverage rate and procedures, and the same as open data
(CSV and JSON, CC BY 4.0). No login; counts only, no personal data.

URL scheme (documented in docs/coverage.md):

    /catalog/<lg_code>/                  the page (Japanese first, English with the language switch)
    /catalog/<lg_code>/procedures.csv    every procedure, target and excluded, with its counts
    /catalog/<lg_code>/procedures.json
    /catalog/<lg_code>/coverage.csv      the coverage rate per month, with counts per channel
    /catalog/<lg_code>/coverage.json

Only once the city's DX office has published them (publication.py): until then, 404.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from madoguchi.tenants.models import Municipality

from . import opendata, publication
from .dashboard_chart import line_chart
from .models import Procedure


def _municipality(lg_code: str) -> Municipality:
    """A city with an inventory that its DX office has published; any other is not found."""
    municipality = Municipality.objects.filter(lg_code=lg_code).first()
    if (
        municipality is None
        or not Procedure.objects.filter(municipality=municipality).exists()
        or not publication.is_published(municipality)
    ):
        raise Http404
    return municipality


def _form_url(request: HttpRequest) -> Any:
    def url(procedure: Procedure) -> str:
        assert procedure.form is not None
        return request.build_absolute_uri(
            reverse(
                "submissions:form_start",
                args=[procedure.municipality.lg_code, procedure.form.slug],
            )
        )

    return url


def _open_data_headers(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Link"] = f'<{opendata.LICENSE_URL}>; rel="license"'
    response["X-License"] = opendata.LICENSE
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=600"
    return response


@require_GET
def city(request: HttpRequest, lg_code: str) -> HttpResponse:
    return render_city(request, _municipality(lg_code))


def render_city(
    request: HttpRequest, municipality: Municipality, *, preview: bool = False
) -> HttpResponse:
    """The public page of ``municipality`` (``preview``: the DX office's look before publishing)."""
    published = opendata.publication(municipality)
    target = published.target
    target_label = (
        _("Target %(percent)s%% by %(deadline)s")
        % {
            "percent": f"{target.target_percent.normalize():f}",
            "deadline": target.deadline.isoformat(),
        }
        if target
        else ""
    )
    chart_title = _("Coverage rate per month")
    return render(
        request,
        "catalog/public_city.html",
        {
            "municipality": municipality,
            "publication": published,
            "preview": preview,
            "chart": line_chart(
                published.series,
                target=target.target_percent if target else None,
                target_label=target_label,
            ),
            "chart_id": "public-coverage",
            "chart_title": chart_title,
            "series": published.series,
            "target_label": target_label,
            "license": opendata.LICENSE,
            "license_url": opendata.LICENSE_URL,
        },
    )


def open_data_file(request: HttpRequest, municipality: Municipality, name: str) -> HttpResponse:
    """One of the four files (``name``: procedures.csv, procedures.json, coverage.csv,
    coverage.json) of ``municipality``, with its license headers."""
    published = opendata.publication(municipality)
    lg_code = municipality.lg_code
    if name.startswith("procedures."):
        columns = opendata.PROCEDURE_COLUMNS
        records = opendata.procedure_records(published, online_url=_form_url(request))
        start = published.first
    elif name.startswith("coverage."):
        columns = opendata.COVERAGE_COLUMNS
        records = opendata.coverage_records(published)
        start = published.trend_first
    else:
        raise Http404
    dataset = name.split(".")[0]
    if name.endswith(".csv"):
        response = HttpResponse(
            opendata.csv_bytes(columns, records), content_type="text/csv; charset=utf-8"
        )
    elif name.endswith(".json"):
        document = opendata.json_document(
            published, dataset=dataset, columns=columns, records=records, start=start
        )
        response = _json(document)
    else:
        raise Http404
    return _open_data_headers(response, f"{lg_code}_{name}")


@require_GET
def procedures_csv(request: HttpRequest, lg_code: str) -> HttpResponse:
    return open_data_file(request, _municipality(lg_code), "procedures.csv")


@require_GET
def procedures_json(request: HttpRequest, lg_code: str) -> HttpResponse:
    return open_data_file(request, _municipality(lg_code), "procedures.json")


@require_GET
def coverage_csv(request: HttpRequest, lg_code: str) -> HttpResponse:
    return open_data_file(request, _municipality(lg_code), "coverage.csv")


@require_GET
def coverage_json(request: HttpRequest, lg_code: str) -> HttpResponse:
    return open_data_file(request, _municipality(lg_code), "coverage.json")


def _json(document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
