"""Version 1 of the public API. Thin: every rule lives in the apps' services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from madoguchi.core.ratelimit import allow
from madoguchi.forms import selectors as form_selectors
from madoguchi.forms.models import Form
from madoguchi.jp import postal
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.ledger.api import router as ledger_router
from madoguchi.submissions import services as submission_services
from madoguchi.tenants.models import Municipality

api = NinjaAPI(
    title="Madoguchi API",
    version="1",
    description=(
        "Forms and submissions of Japanese municipalities. "
        "Messages follow Accept-Language (ja, en)."
    ),
    openapi_url="/openapi.json",
    # No Swagger page: it loads from a CDN, which the CSP and closed networks forbid.
    docs_url=None,
    urls_namespace="api-v1",
)


api.add_router("/ledger/", ledger_router)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """Refusals take the documented ``Problem`` shape, ``{"message": ...}``, not ninja's."""
    return api.create_response(request, {"message": str(error)}, status=error.status_code)


class FormSummary(Schema):
    slug: str
    title: str
    department: str
    identity: str
    version: int


class FormDetail(Schema):
    slug: str
    version: int
    published_at: datetime
    schema_: dict[str, Any] = Field(alias="schema")


class SubmissionIn(Schema):
    municipality: str
    form: str
    answers: dict[str, Any]


class SubmissionOut(Schema):
    receipt_number: str
    status: str
    submitted_at: datetime
    form_version: int


class FieldErrors(Schema):
    message: str
    errors: dict[str, list[str]]


class Problem(Schema):
    message: str


class AddressOut(Schema):
    postal_code: str
    prefecture: str
    city: str
    town: str
    address: str


def _language() -> str:
    return get_language() or "ja"


def _municipality(lg_code: str) -> Municipality:
    try:
        return Municipality.objects.get(lg_code=lg_code)
    except Municipality.DoesNotExist as error:
        raise HttpError(
            404, _("No municipality has the code %(code)s.") % {"code": lg_code}
        ) from error


def _form(lg_code: str, slug: str) -> Form:
    try:
        return form_selectors.published_form(lg_code=lg_code, slug=slug)
    except Form.DoesNotExist as error:
        raise HttpError(
            404, _("No published form “%(slug)s” in %(code)s.") % {"slug": slug, "code": lg_code}
        ) from error


@api.get("/municipalities/{lg_code}/forms/", response=list[FormSummary], tags=["forms"])
def list_forms(request: HttpRequest, lg_code: str) -> list[dict[str, Any]]:
    """Published forms of a municipality, with the slugs used to submit."""
    municipality = _municipality(lg_code)
    language = _language()
    return [
        {
            "slug": form.slug,
            "title": form.current_version.schema.title.get(language),  # type: ignore[union-attr]
            "department": form.department.localized_name(language),
            "identity": form.current_version.schema.identity,  # type: ignore[union-attr]
            "version": form.current_version.number,  # type: ignore[union-attr]
        }
        for form in form_selectors.published_forms(municipality)
    ]


@api.get(
    "/municipalities/{lg_code}/forms/{slug}/",
    response={200: FormDetail, 404: Problem},
    tags=["forms"],
    by_alias=True,
)
def form_detail(request: HttpRequest, lg_code: str, slug: str) -> dict[str, Any]:
    """The current version's schema (steps, fields, conditions)."""
    form = _form(lg_code, slug)
    version = form.current_version
    assert version is not None
    return {
        "slug": form.slug,
        "version": version.number,
        "published_at": version.published_at,
        "schema": version.definition,
    }


@api.post(
    "/submissions/",
    response={
        201: SubmissionOut,
        403: Problem,
        404: Problem,
        409: Problem,
        422: FieldErrors,
        429: Problem,
    },
    tags=["submissions"],
)
def create_submission(request: HttpRequest, payload: SubmissionIn) -> Status[dict[str, Any]]:
    """Submit answers to the current version of a form. Invalid answers get 422 per field."""
    if not allow(request, "api_submit"):
        return Status(429, {"message": _("Too many requests. Please wait a minute and try again.")})
    form = _form(payload.municipality, payload.form)
    assert form.current_version is not None
    try:
        submission = submission_services.submit_answers(
            form_version=form.current_version, raw=payload.answers, language=_language()
        )
    except submission_services.IdentityRequired:
        return Status(
            403,
            {
                "message": _(
                    "This form requires identity verification with the My Number Card. "
                    "Apply through the online form instead of the API."
                )
            },
        )
    except submission_services.SubmissionRefused as refused:
        return Status(422, {"message": _("Some answers need fixing."), "errors": refused.errors})
    except submission_services.FormClosed as closed:
        return Status(409, {"message": closed.message})
    return Status(
        201,
        {
            "receipt_number": submission.receipt_number,
            "status": submission.status,
            "submitted_at": submission.submitted_at,
            "form_version": form.current_version.number,
        },
    )


@api.get(
    "/postal-codes/{code}",
    response={200: AddressOut, 404: Problem, 422: Problem},
    tags=["utilities"],
)
def postal_code(request: HttpRequest, code: str) -> Status[dict[str, Any]]:
    """Address for a Japanese postal code (Japan Post data)."""
    try:
        address = postal.lookup_address(code)
    except InvalidJapaneseInput as error:
        return Status(422, {"message": str(error.message)})
    if address is None:
        return Status(
            404, {"message": _("No address was found for this postal code. Check the number.")}
        )
    return Status(
        200,
        {
            "postal_code": postal.format_postal_code(address.postal_code),
            "prefecture": address.prefecture,
            "city": address.city,
            "town": address.town,
            "address": address.full,
        },
    )
