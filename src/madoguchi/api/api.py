"""Version 1 of the public API. Thin: every rule lives in the apps' services."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.responses import Status
from ninja.types import DictStrAny

from madoguchi.core.ratelimit import allow
from madoguchi.core.refusals import FieldError, Refused
from madoguchi.forms import selectors as form_selectors
from madoguchi.forms.models import Form
from madoguchi.jp import postal
from madoguchi.jp import text as jp_text
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.ledger.api import router as ledger_router
from madoguchi.submissions import services as submission_services
from madoguchi.submissions import validation_hooks
from madoguchi.tenants.models import Municipality

from .middleware import problem_code, problem_message

logger = logging.getLogger(__name__)

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "properties": {
        "code": {"title": "Code", "type": "string"},
        "message": {"title": "Message", "type": "string"},
    },
    "required": ["code", "message"],
}
# Answers every operation can give besides its own; each is {"code": ..., "message": ...}
# (``Problem``): ``code`` is stable (docs/api.md, "Error codes"), ``message`` is for people.
COMMON_ERRORS = {
    400: "The request body is not JSON, or a string in it (or in the address) holds a "
    "character that cannot be stored (control characters, lone surrogates).",
    500: "An error on the server's side; try again later.",
}
VALIDATION_ERROR = (
    "A parameter or a body field is missing or of the wrong type; ``errors`` names each one."
)


class InvalidBody(Refused, ValueError):
    """A JSON body holding text that cannot be stored (see madoguchi.jp.text).

    ``field_errors`` holds one error, on ``body``, whose code is madoguchi.jp's (such as
    ``control_character``).
    """

    code = "invalid_text"
    status = 400

    def __init__(self, refused: InvalidJapaneseInput) -> None:
        super().__init__(
            refused.message, field_errors=[FieldError("body", refused.code, refused.message)]
        )
        self.refused = refused


class CheckedJsonParser(Parser):
    """JSON, with every string (keys too) checked before any operation sees it."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body)
        try:
            jp_text.check_value(data)
        except InvalidJapaneseInput as refused:
            raise InvalidBody(refused) from refused
        return cast(DictStrAny, data)


def document_errors(schema: OpenAPISchema) -> OpenAPISchema:
    """Add the answers every operation can give to each one, so the document lists them all."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", PROBLEM_SCHEMA)
    problem = {"content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            expected = dict(COMMON_ERRORS)
            if operation.get("parameters") or operation.get("requestBody"):
                expected[422] = VALIDATION_ERROR
            for status, description in expected.items():
                # ninja keys responses by int; a str key would be a second entry for the status
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": description, **problem}
    return schema


class MadoguchiAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return document_errors(schema)


api = MadoguchiAPI(
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
    parser=CheckedJsonParser(),
)


api.add_router("/ledger/", ledger_router)


def problem(
    request: HttpRequest, code: str, message: str, status: int, **extra: Any
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def refusal(refused: Refused, **extra: Any) -> Status[dict[str, Any]]:
    """A service's refusal as the API answers it: its status, code, message, field errors."""
    return Status(refused.status, {**refused.as_json(), **extra})


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """Refusals take the documented ``Problem`` shape, ``{"code", "message"}``, not ninja's."""
    cause = error.__cause__
    if isinstance(cause, InvalidBody):
        return api.create_response(request, cause.as_json(), status=cause.status)
    if error.status_code == 400 and str(error).startswith("Cannot parse request body"):
        return problem(
            request,
            "malformed_request",
            _("The request body is not valid JSON in UTF-8. Check it against the API description."),
            400,
        )
    return problem(request, problem_code(error.status_code), str(error), error.status_code)


def _error_key(location: tuple[Any, ...]) -> str:
    # ("body", "payload", "answers") -> "answers"; ("query", "index") -> "index"
    source, *rest = location
    if source == "body" and len(rest) > 1:
        rest = rest[1:]
    return ".".join(str(part) for part in rest) or str(source)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Missing or mistyped parameters and fields: 422, one message per field, like answers."""
    errors: dict[str, list[str]] = {}
    field_errors: list[dict[str, str]] = []
    for item in error.errors:
        if item.get("type") == "missing":
            code, message = "required", _("This field is required.")
        else:
            code = "wrong_type"
            message = _("Send a value of the type the API description gives for this field.")
        key = _error_key(tuple(item.get("loc") or ("body",)))
        errors.setdefault(key, []).append(message)
        field_errors.append(FieldError(key, code, message).as_json())
    return problem(
        request,
        "invalid_request",
        _("Some fields need fixing."),
        422,
        errors=errors,
        field_errors=field_errors,
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(request, "not_found", problem_message(404), 404)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    """The last resort: logged like Django logs a 500, answered in the documented shape."""
    logger.error("API error %s %s", request.method, request.path, exc_info=error)
    return problem(request, "server_error", problem_message(500), 500)


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


class FieldProblem(Schema):
    """One problem with one field; ``code`` is stable, ``message`` is for people."""

    field: str
    code: str
    message: str


class FieldErrors(Schema):
    """A 422: ``errors`` maps each field to its messages; ``field_errors`` adds codes."""

    code: str
    message: str
    errors: dict[str, list[str]]
    field_errors: list[FieldProblem]


class Problem(Schema):
    """Any other error: a stable ``code`` (docs/api.md, "Error codes") and a ``message``."""

    code: str
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


@api.get(
    "/municipalities/{lg_code}/forms/",
    response={200: list[FormSummary], 404: Problem},
    tags=["forms"],
)
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
        message = _("Too many requests. Please wait a minute and try again.")
        return Status(429, {"code": "rate_limited", "message": message})
    form = _form(payload.municipality, payload.form)
    assert form.current_version is not None
    try:
        submission = submission_services.submit_answers(
            form_version=form.current_version, raw=payload.answers, language=_language()
        )
    except submission_services.SubmissionRefused as refused:
        # Counted anonymously for the improvement analytics: only the form's own questions
        # (a key the caller made up is not one), never the values sent.
        questions = {f.key for f in form.current_version.schema.fields()}
        validation_hooks.report(
            form.current_version.pk,
            {key: messages for key, messages in refused.errors.items() if key in questions},
            payload.answers,
            where=validation_hooks.API,
        )
        return refusal(refused, errors=refused.errors)
    except (submission_services.IdentityRequired, submission_services.FormClosed) as refused:
        return refusal(refused)
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
        # The top-level code is this API's; the field's code is madoguchi.jp's.
        field_error = FieldError("code", error.code, error.message).as_json()
        body = {"code": "invalid_postal_code", "message": str(error.message)}
        return Status(422, {**body, "field_errors": [field_error]})
    if address is None:
        message = _("No address was found for this postal code. Check the number.")
        return Status(404, {"code": "not_found", "message": message})
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
