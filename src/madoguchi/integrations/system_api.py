"""The system API for back-office systems: /api/v1/system/ (OpenAPI at /api/v1/system/openapi.json).

A second django-ninja API beside the public one, with its errors in the same ``Problem`` shape
(madoguchi.api.api's handlers) and Accept-Language for messages. A client gets a token
(``POST /token``, OAuth 2.0 client credentials, madoguchi.integrations.oauth) and sends it as
``Authorization: Bearer``. What it may see is decided in clients_selectors: another
department's application is not found (404), never forbidden, so nothing is revealed.

Reads of an application are ledger events (system_access) the resident sees in their
やりとり履歴; the status goes through submissions.workflow like a staff member's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core import signing
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Form, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.responses import Status
from ninja.security import HttpBearer

from madoguchi.api import api as public_api
from madoguchi.core.ratelimit import allow, allow_key
from madoguchi.signatures import selectors as signature_selectors
from madoguchi.submissions import document as submission_document
from madoguchi.submissions.models import Attachment, Correction, StatusChange, Submission

from . import clients_selectors, clients_services, oauth, sealing, system_access
from .models import FeedEntry, SystemClient

logger = logging.getLogger(__name__)

# Signed attachment URLs: bound to the client and the file, valid this long.
FILE_URL_SECONDS = 300
FILE_SALT = "madoguchi.integrations.system_api.file"


DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class PageRequest:
    after: int
    limit: int


MAX_CURSOR = 10**18 - 1


def _whole_number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def parse_page(after: str | None, limit: str | None) -> PageRequest:
    """``after`` (a cursor, default 0) and ``limit`` (1 to MAX_LIMIT, default 100) from the
    query string; ValueError with what to send otherwise."""
    after_text = (after or "").strip()
    limit_text = (limit or "").strip()
    cursor = _whole_number(after_text) if after_text else 0
    if cursor is None or cursor > MAX_CURSOR:
        raise ValueError(
            _("after: send the cursor you were given (a whole number, 0 for the beginning).")
        )
    number = _whole_number(limit_text) if limit_text else DEFAULT_LIMIT
    if number is None or not 1 <= number <= clients_selectors.MAX_LIMIT:
        raise ValueError(
            _("limit: send a whole number from 1 to %(max)s.")
            % {"max": clients_selectors.MAX_LIMIT}
        )
    return PageRequest(after=cursor, limit=number)


class RateLimited(Exception):
    pass


class InsufficientScope(Exception):
    pass


class SystemBearer(HttpBearer):
    """A live access token of a live client; counted per address and per client."""

    def authenticate(self, request: HttpRequest, token: str) -> oauth.Caller | None:
        if not allow(request, "system_api"):
            raise RateLimited
        caller = oauth.caller_for(token)
        if caller is None:
            return None
        if not allow_key("system_api", f"client:{caller.client.pk}"):
            raise RateLimited
        return caller


system_api = public_api.MadoguchiAPI(
    title="Madoguchi system API",
    version="1",
    description=(
        "For back-office systems of the city: OAuth 2.0 client credentials "
        "(POST /api/v1/system/token), then Bearer tokens. Messages follow Accept-Language "
        "(ja, en). See docs/integration.md."
    ),
    openapi_url="/openapi.json",
    docs_url=None,
    urls_namespace="system-api-v1",
    parser=public_api.CheckedJsonParser(),
    auth=SystemBearer(),
)

# The public API's handlers: the same Problem shape, codes and messages.
system_api.add_exception_handler(HttpError, cast(Any, public_api.http_error))
system_api.add_exception_handler(ValidationError, cast(Any, public_api.validation_error))
system_api.add_exception_handler(Exception, cast(Any, public_api.server_error))


def _problem(request: HttpRequest, code: str, message: str, status: int) -> HttpResponse:
    return system_api.create_response(request, {"code": code, "message": message}, status=status)


@system_api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = _problem(
        request,
        "invalid_token",
        _(
            "Send a valid access token: get a new one from /api/v1/system/token "
            "(they last 10 minutes)."
        ),
        401,
    )
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


@system_api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    response = _problem(
        request, "rate_limited", _("Too many requests. Please wait a minute and try again."), 429
    )
    response["Retry-After"] = "60"
    return response


@system_api.exception_handler(InsufficientScope)
def insufficient_scope(request: HttpRequest, error: InsufficientScope) -> HttpResponse:
    response = _problem(
        request,
        "insufficient_scope",
        _(
            "This client may read applications but not set their status. Ask the city's "
            "administrator for the scope read_status."
        ),
        403,
    )
    response["WWW-Authenticate"] = 'Bearer error="insufficient_scope", scope="read_status"'
    return response


@system_api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _problem(
        request,
        "not_found",
        _(
            "No application with this id is visible to this client. Check the id from the "
            "change list."
        ),
        404,
    )


# --- schemas ---------------------------------------------------------------------------------


class Problem(Schema):
    code: str
    message: str


class TokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class TokenError(Schema):
    """RFC 6749 §5.2."""

    error: str
    error_description: str | None = None


class FormRef(Schema):
    id: str
    title: str
    version: int


class ApplicationRef(Schema):
    id: str
    receipt_number: str
    status: str
    department: str
    form: str


class Change(Schema):
    cursor: int
    kind: str
    at: datetime
    application: ApplicationRef | None
    reference: str


class Changes(Schema):
    changes: list[Change]
    next: int
    more: bool


class Recipient(Schema):
    fingerprint: str
    purpose: str
    enc: str


class Sealed(Schema):
    suite: str
    recipients: list[Recipient]
    ciphertext: str
    plaintext_sha256: str
    files: dict[str, Any]


class AttachmentOut(Schema):
    id: int
    field: str
    name: str
    size: int
    content_type: str
    sha256: str
    sealed: bool
    url: str


class EvidenceOut(Schema):
    signed: bool
    signature_url: str | None
    ledger_subject: str


class StatusStep(Schema):
    from_status: str
    to_status: str
    at: datetime
    message: str


class CorrectionOut(Schema):
    """A return for correction (差し戻し) and, once resent, what the resident changed: the
    reopened answers in clear, or ``sealed`` (open with sealing.open_correction_payload)."""

    id: int
    fields: list[str]
    reason: str
    requested_at: datetime
    resubmitted_at: datetime | None
    answers: dict[str, Any] | None
    sealed: Sealed | None
    files: list[AttachmentOut]


class ApplicationOut(Schema):
    id: str
    receipt_number: str
    status: str
    form: FormRef
    department: str
    channel: str
    submitted_at: datetime
    answers: dict[str, Any] | None
    # The canonical application document (RFC 8785 JSON) whose SHA-256 is document_sha256,
    # and the applicant's name; null when sealed (they are inside the ciphertext).
    document: str | None
    applicant_name: str | None
    language: str
    sealed: Sealed | None
    document_sha256: str
    attachments: list[AttachmentOut]
    evidence: EvidenceOut
    status_history: list[StatusStep]
    # Oldest first.
    corrections: list[CorrectionOut]


class StatusSummary(Schema):
    """The application after a status change (no answers: setting a status reads nothing)."""

    id: str
    receipt_number: str
    status: str
    replayed: bool
    status_history: list[StatusStep]


class ReturnedCorrection(Schema):
    id: int
    fields: list[str]
    reason: str
    requested_at: datetime
    expires_at: datetime


class ReturnSummary(Schema):
    """The application after a return for correction (no answers)."""

    id: str
    receipt_number: str
    status: str
    replayed: bool
    correction: ReturnedCorrection
    status_history: list[StatusStep]


class ReturnIn(Schema):
    fields: list[str]
    reason: str
    idempotency_key: str


class AckIn(Schema):
    cursor: int


class StatusIn(Schema):
    status: str
    message: str = ""
    idempotency_key: str


# --- helpers ---------------------------------------------------------------------------------


def _caller(request: HttpRequest) -> oauth.Caller:
    caller = request.auth  # type: ignore[attr-defined]
    assert isinstance(caller, oauth.Caller)
    return caller


def _application(caller: oauth.Caller, public_id: str) -> Submission:
    submission = clients_selectors.application_for(caller.client, public_id)
    if submission is None:
        raise Http404
    return submission


def _to_act_on(request: HttpRequest, public_id: str) -> tuple[oauth.Caller, Submission]:
    """The caller and the application it may change (scope read_status)."""
    caller = _caller(request)
    if not caller.may("read_status"):
        raise InsufficientScope
    return caller, _application(caller, public_id)


def _language(request: HttpRequest) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "ja") or "ja").startswith("en") else "ja"


def _form_title(submission: Submission, language: str) -> str:
    return str(submission.form_version.schema.title.get(language))


def _history(submission: Submission) -> list[dict[str, Any]]:
    return [
        {
            "from_status": change.from_status,
            "to_status": change.to_status,
            "at": change.at,
            "message": change.reason,
        }
        for change in StatusChange.objects.filter(submission=submission).order_by("at", "pk")
    ]


def _status_summary(submission: Submission, *, replayed: bool) -> dict[str, Any]:
    """What a status or a return answers: the application's status as it now stands."""
    submission.refresh_from_db(fields=["status"])
    return {
        "id": str(submission.public_id),
        "receipt_number": submission.receipt_number,
        "status": submission.status,
        "replayed": replayed,
        "status_history": _history(submission),
    }


def file_url(request: HttpRequest, client: SystemClient, attachment: Attachment) -> str:
    """A URL that serves ``attachment``'s stored bytes to ``client`` for FILE_URL_SECONDS."""
    token = signing.dumps({"c": client.pk, "a": attachment.pk}, salt=FILE_SALT, compress=False)
    return request.build_absolute_uri(reverse("system-api-v1:file", kwargs={"token": token}))


def _attachment_out(
    request: HttpRequest, client: SystemClient, attachment: Attachment, *, sealed: bool
) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "field": attachment.field_key,
        "name": attachment.display_name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "sha256": attachment.sha256,
        "sealed": sealed,
        "url": file_url(request, client, attachment),
    }


def _corrections(
    request: HttpRequest, client: SystemClient, submission: Submission
) -> list[dict[str, Any]]:
    """The application's returns for correction, oldest first, with what each resend changed.

    A clear correction's ``answers`` are the reopened answers as resent: those the next
    resend kept as replaced (its ``previous_answers``), or the application's answers for the
    latest one. Its ``files`` are the files it added that the application still holds (a
    file a later correction replaced is no longer served).
    """
    corrections = list(
        Correction.objects.filter(submission=submission).order_by("requested_at", "pk")
    )
    sent = [c for c in corrections if c.resubmitted_at is not None]
    items = []
    for correction in corrections:
        payload = sealing.sealed_correction_payload(correction)
        answers: dict[str, Any] | None = None
        added: list[Attachment] = []
        if correction.resubmitted_at is not None:
            later = sent[sent.index(correction) + 1 :]
            if payload is None:
                after = later[0].previous_answers if later else submission.answers
                answers = {key: after.get(key) for key in correction.fields}
                named = submission_document.referenced_ids(submission.form_version.schema, answers)
                added = list(
                    submission.attachments.filter(
                        pk__in=named, created_at__gte=correction.requested_at
                    ).order_by("pk")
                )
            else:
                added = list(
                    submission.attachments.filter(
                        pk__in=[int(k) for k in payload["files"]]
                    ).order_by("pk")
                )
        items.append(
            {
                "id": correction.pk,
                "fields": list(correction.fields),
                "reason": correction.reason,
                "requested_at": correction.requested_at,
                "resubmitted_at": correction.resubmitted_at,
                "answers": answers,
                "sealed": payload,
                "files": [
                    _attachment_out(request, client, a, sealed=payload is not None) for a in added
                ],
            }
        )
    return items


def _ref(entry: FeedEntry) -> dict[str, Any] | None:
    submission = entry.submission
    if submission is None:
        return None
    return {
        "id": str(submission.public_id),
        "receipt_number": submission.receipt_number,
        "status": entry.status or submission.status,
        "department": entry.department.code,
        "form": submission.form_version.form.slug,
    }


# --- operations ------------------------------------------------------------------------------


@system_api.post(
    "/token",
    auth=None,
    response={200: TokenOut, 400: TokenError, 401: TokenError, 429: Problem},
    tags=["oauth"],
)
def token(
    request: HttpRequest,
    grant_type: Form[str | None] = None,
    scope: Form[str | None] = None,
    client_id: Form[str | None] = None,
    client_secret: Form[str | None] = None,
) -> HttpResponse:
    """OAuth 2.0 client credentials (RFC 6749 §4.4): HTTP Basic (client_secret_basic) or the
    form fields client_id and client_secret (client_secret_post). Tokens last 600 seconds."""
    presented = client_id or oauth.basic_client_id(request)
    if not allow(request, "system_token") or (
        presented and not allow_key("system_token", f"client_id:{presented[:60]}")
    ):
        response = JsonResponse(
            {
                "error": "slow_down",
                # RFC 6749 §5.2: error_description is ASCII; the caller's language goes in message.
                "error_description": "Too many requests. Please wait a minute and try again.",
                "message": _("Too many requests. Please wait a minute and try again."),
            },
            status=429,
        )
        response["Retry-After"] = "60"
        return response
    return oauth.token_response(request)


@system_api.get("/changes", response={200: Changes, 401: Problem, 422: Problem}, tags=["changes"])
def changes(
    request: HttpRequest, after: Query[str | None] = None, limit: Query[str | None] = None
) -> Status[dict[str, Any]]:
    """Changes of the client's applications after a cursor, oldest first. Keep ``next`` and
    ask again with ``after=next`` while ``more`` is true."""
    caller = _caller(request)
    try:
        page: PageRequest = parse_page(after, limit)
    except ValueError as invalid:
        return Status(422, {"code": "invalid_request", "message": str(invalid)})
    entries = clients_selectors.changes_for(caller.client, after=page.after, limit=page.limit + 1)
    more = len(entries) > page.limit
    entries = entries[: page.limit]
    return Status(
        200,
        {
            "changes": [
                {
                    "cursor": entry.pk,
                    "kind": entry.kind,
                    "at": entry.at,
                    "application": _ref(entry),
                    "reference": entry.reference,
                }
                for entry in entries
            ],
            "next": entries[-1].pk if entries else page.after,
            "more": more,
        },
    )


@system_api.get(
    "/applications/{id}",
    response={200: ApplicationOut, 401: Problem, 404: Problem},
    tags=["applications"],
)
def application(request: HttpRequest, id: str) -> dict[str, Any]:
    """One application with its answers (null when sealed: then ``sealed`` carries the
    ciphertext), its files as signed URLs valid 5 minutes, and its evidence."""
    caller = _caller(request)
    submission = _application(caller, id)
    language = _language(request)
    sealed = sealing.sealed_row(submission)
    evidence = signature_selectors.evidence_for(submission)
    system_access.record_fetch(caller, submission, what="application")
    return {
        "id": str(submission.public_id),
        "receipt_number": submission.receipt_number,
        "status": submission.status,
        "form": {
            "id": submission.form_version.form.slug,
            "title": _form_title(submission, language),
            "version": submission.form_version.number,
        },
        "department": submission.department.code,
        "channel": submission.channel,
        "submitted_at": submission.submitted_at,
        "answers": None if sealed is not None else submission.answers,
        "document": None if sealed is not None else submission.document,
        "applicant_name": None if sealed is not None else submission.applicant_name,
        "language": submission.language,
        "sealed": sealing.sealed_payload(submission),
        "document_sha256": submission.document_sha256,
        "attachments": [
            _attachment_out(request, caller.client, attachment, sealed=sealed is not None)
            for attachment in submission.attachments.all()
        ],
        "evidence": {
            "signed": evidence is not None,
            "signature_url": (
                request.build_absolute_uri(
                    reverse("system-api-v1:signature", kwargs={"id": submission.public_id})
                )
                if evidence is not None
                else None
            ),
            "ledger_subject": system_access.ledger_subject(submission),
        },
        "status_history": _history(submission),
        "corrections": _corrections(request, caller.client, submission),
    }


@system_api.get(
    "/applications/{id}/signature",
    response={200: dict[str, Any], 401: Problem, 404: Problem},
    tags=["applications"],
    url_name="signature",
)
def signature(request: HttpRequest, id: str) -> dict[str, Any]:
    """The resident's signature evidence (madoguchi-signature/1: detached CMS over the
    canonical document, the certificate and the CRLs checked) to verify offline."""
    caller = _caller(request)
    submission = _application(caller, id)
    evidence = signature_selectors.evidence_for(submission)
    if evidence is None:
        raise Http404
    system_access.record_fetch(caller, submission, what="signature")
    return evidence.bundle()


@system_api.get("/files/{token}", auth=None, tags=["applications"], url_name="file")
def file(request: HttpRequest, token: str) -> HttpResponseBase:
    """A file of an application, from the signed URL in ``attachments`` (5 minutes, this
    client only): the stored bytes (ciphertext when the application is sealed)."""
    if not allow(request, "system_api"):
        raise RateLimited
    try:
        claims = signing.loads(token, salt=FILE_SALT, max_age=FILE_URL_SECONDS)
        client = SystemClient.objects.get(pk=int(claims["c"]), revoked_at__isnull=True)
    except (signing.BadSignature, SystemClient.DoesNotExist, KeyError, TypeError, ValueError):
        return _problem(
            request,
            "link_expired",
            _(
                "This file link is not valid or has expired (5 minutes). Fetch the application "
                "again for a new link."
            ),
            404,
        )
    attachment = clients_selectors.attachment_for(client, int(claims["a"]))
    if attachment is None or attachment.submission is None:
        raise Http404
    caller = oauth.Caller(client, client.scope)
    system_access.record_fetch(
        caller, attachment.submission, what="attachment", ref=str(attachment.pk)
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.display_name,
        content_type="application/octet-stream"
        if sealing.is_sealed(attachment.submission)
        else attachment.content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@system_api.post(
    "/applications/{id}/ack",
    response={204: None, 401: Problem, 404: Problem, 422: Problem},
    tags=["applications"],
)
def ack(request: HttpRequest, id: str, payload: AckIn) -> Status[Any]:
    """The client took the application, up to the change ``cursor``."""
    caller = _caller(request)
    submission = _application(caller, id)
    try:
        clients_services.acknowledge(
            client=caller.client, submission=submission, cursor=payload.cursor
        )
    except clients_services.ClientRefused as refused:
        return public_api.refusal(refused)
    return Status(204, None)


@system_api.post(
    "/applications/{id}/status",
    response={
        200: StatusSummary,
        401: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
        422: Problem,
    },
    tags=["applications"],
)
def set_status(request: HttpRequest, id: str, payload: StatusIn) -> Status[Any]:
    """Set the status with a message the applicant reads (scope read_status), by the same
    rules as staff. Send the same ``idempotency_key`` again to retry safely."""
    caller, submission = _to_act_on(request, id)
    try:
        result = clients_services.set_status(
            client=caller.client,
            actor=caller.actor,
            submission=submission,
            to_status=payload.status,
            message=payload.message,
            key=payload.idempotency_key,
        )
    except (clients_services.ClientRefused, clients_services.StatusRefused) as refused:
        return public_api.refusal(refused)
    return Status(200, _status_summary(submission, replayed=result.replayed))


@system_api.post(
    "/applications/{id}/returns",
    response={
        201: ReturnSummary,
        401: Problem,
        403: Problem,
        404: Problem,
        409: Problem,
        422: Problem,
    },
    tags=["applications"],
)
def returns(request: HttpRequest, id: str, payload: ReturnIn) -> Status[Any]:
    """Return the application for correction (差し戻し, scope read_status): the applicant is
    emailed a link to change the answers to ``fields`` (keys of the form's questions), with
    ``reason``. The same rules as staff; an encrypted application can be returned too (the
    applicant enters the reopened answers again, and they come back sealed in
    ``corrections``). Send the same ``idempotency_key`` again to retry safely."""
    caller, submission = _to_act_on(request, id)
    try:
        result = clients_services.return_for_correction(
            client=caller.client,
            actor=caller.actor,
            submission=submission,
            fields=payload.fields,
            reason=payload.reason,
            key=payload.idempotency_key,
        )
    except (clients_services.ClientRefused, clients_services.StatusRefused) as refused:
        return public_api.refusal(refused)
    correction = result.correction
    return Status(
        201,
        _status_summary(submission, replayed=result.replayed)
        | {
            "correction": {
                "id": correction.pk,
                "fields": list(correction.fields),
                "reason": correction.reason,
                "requested_at": correction.requested_at,
                "expires_at": correction.expires_at,
            }
        },
    )
