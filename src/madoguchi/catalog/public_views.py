"""The city's public page of its coverage rate and procedures, and the same as open data
(CSV and JSON, CC BY 4.0). No login; counts only, no personal data.

URL scheme (documented in docs/coverage.md):

    /catalog/<lg_code>/                  the page (Japanese first, English with the language switch)
    /catalog/<lg_code>/procedures.csv    every procedure, target and excluded, with its counts
    /catalog/<lg_code>/procedures.json
    /catalog/<lg_code>/coverage.csv      the coverage rate per month, with counts per channel
    /catalog/<lg_code>/coverage.json
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

from . import opendata
from .dashboard_chart import line_chart
from .models import Procedure


def _municipality(lg_code: str) -> Municipality:
    """A city with an inventory; any other code is not found."""
    municipality = Municipality.objects.filter(lg_code=lg_code).first()
    if municipality is None or not Procedure.objects.filter(municipality=municipality).exists():
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
    municipality = _municipality(lg_code)
    publication = opendata.publication(municipality)
    target = publication.target
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
            "publication": publication,
            "chart": line_chart(
                publication.series,
                target=target.target_percent if target else None,
                target_label=target_label,
            ),
            "chart_id": "public-coverage",
            "chart_title": chart_title,
            "series": publication.series,
            "target_label": target_label,
            "license": opendata.LICENSE,
            "license_url": opendata.LICENSE_URL,
        },
    )


@require_GET
def procedures_csv(request: HttpRequest, lg_code: str) -> HttpResponse:
    publication = opendata.publication(_municipality(lg_code))
    records = opendata.procedure_records(publication, online_url=_form_url(request))
    response = HttpResponse(
        opendata.csv_bytes(opendata.PROCEDURE_COLUMNS, records),
        content_type="text/csv; charset=utf-8",
    )
    return _open_data_headers(response, f"{lg_code}_procedures.csv")


@require_GET
def procedures_json(request: HttpRequest, lg_code: str) -> HttpResponse:
    publication = opendata.publication(_municipality(lg_code))
    records = opendata.procedure_records(publication, online_url=_form_url(request))
    document = opendata.json_document(
        publication,
        dataset="procedures",
        columns=opendata.PROCEDURE_COLUMNS,
        records=records,
        start=publication.first,
    )
    return _open_data_headers(_json(document), f"{lg_code}_procedures.json")


@require_GET
def coverage_csv(request: HttpRequest, lg_code: str) -> HttpResponse:
    publication = opendata.publication(_municipality(lg_code))
    response = HttpResponse(
        opendata.csv_bytes(opendata.COVERAGE_COLUMNS, opendata.coverage_records(publication)),
        content_type="text/csv; charset=utf-8",
    )
    return _open_data_headers(response, f"{lg_code}_coverage.csv")


@require_GET
def coverage_json(request: HttpRequest, lg_code: str) -> HttpResponse:
    publication = opendata.publication(_municipality(lg_code))
    document = opendata.json_document(
        publication,
        dataset="coverage",
        columns=opendata.COVERAGE_COLUMNS,
        records=opendata.coverage_records(publication),
        start=publication.trend_first,
    )
    return _open_data_headers(_json(document), f"{lg_code}_coverage.json")


def _json(document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
