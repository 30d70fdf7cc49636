"""The canonical application document: what a resident signs and what every receipt names.

One submission is one JSON document, serialised with RFC 8785 (JSON Canonicalization
Scheme): keys sorted by UTF-16 code units, no insignificant white space, numbers in
ECMAScript form, strings as UTF-8. Two programs that agree on the document's content
therefore agree on its bytes, and a SHA-256 of those bytes names it. The document
carries everything the resident agreed to: the answers, the form version, the
fingerprints of the attached files, the municipality and the moment it was made.

The bytes hashed are exactly the bytes stored (``Submission.document``), so anyone can
re-hash and re-verify them without trusting this code's serialiser.

The document is the application, not a signature concern: every submission has one,
signed or not. It lives here, below the apps that sign it (``madoguchi.signatures``) and
seal it into receipts (``madoguchi.documents``), which import it from here. The first half
of this module is the format (plain data in, bytes out); the second makes the document of
a draft's or a submission's answers and files as the database holds them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import rfc8785

from madoguchi.forms.schema import FileField

from .models import Attachment, Submission

if TYPE_CHECKING:
    from madoguchi.forms.models import FormVersion
    from madoguchi.forms.schema import FormSchema

__all__ = [
    "FORMAT",
    "canonical_bytes",
    "corrected_document",
    "created_at_of",
    "document_of",
    "document_sha256",
    "parse_document",
    "referenced_ids",
    "stored_document",
    "submission_document",
]

FORMAT = "madoguchi-submission/1"


def _timestamp(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("submission_document() needs an aware datetime")
    # Whole seconds in UTC: the same instant always gives the same text.
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _attachment(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "field": str(item["field"]),
        "name": str(item["name"]),
        "size": int(item["size"]),
        "sha256": str(item["sha256"]).lower(),
    }


def submission_document(
    *,
    municipality: str,
    form: str,
    form_version: int,
    form_version_id: int,
    answers: Mapping[str, Any],
    attachments: Iterable[Mapping[str, Any]],
    created_at: datetime,
) -> dict[str, Any]:
    """The document for one submission (a plain dict, ready for :func:`canonical_bytes`).

    ``municipality`` is the 全国地方公共団体コード, ``form`` the form's slug, ``form_version``
    its published number and ``form_version_id`` the database id of that exact version.
    ``attachments`` are ``{"field", "name", "size", "sha256"}``; their order does not
    matter (they are sorted), their content does. ``created_at`` is truncated to seconds.
    """
    files = sorted(
        (_attachment(item) for item in attachments),
        key=lambda a: (a["field"], a["name"], a["sha256"]),
    )
    return {
        "format": FORMAT,
        "municipality": str(municipality),
        "form": str(form),
        "form_version": int(form_version),
        "form_version_id": int(form_version_id),
        "answers": dict(answers),
        "attachments": files,
        "created_at": _timestamp(created_at),
    }


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 serialisation of ``document`` (UTF-8). Raises on values JSON cannot hold."""
    return bytes(rfc8785.dumps(dict(document)))


def document_sha256(document: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical bytes: the document's name in events and receipts."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def parse_document(data: bytes | str) -> dict[str, Any]:
    """Read a stored document back; refuses anything that is not this format."""
    document = json.loads(data)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("not a madoguchi submission document")
    return document


def created_at_of(document: Mapping[str, Any]) -> datetime:
    """The document's ``created_at`` as an aware datetime."""
    return datetime.fromisoformat(str(document["created_at"]).replace("Z", "+00:00"))


# --- the document of answers and files in the database ---------------------------------


def referenced_ids(schema: FormSchema, answers: Mapping[str, Any]) -> set[int]:
    """The ids of the attachments these answers name."""
    ids: set[int] = set()
    for form_field in schema.fields():
        if isinstance(form_field, FileField):
            for item in answers.get(form_field.key) or []:
                if isinstance(item, Mapping) and isinstance(item.get("id"), int):
                    ids.add(item["id"])
    return ids


def document_of(
    *,
    form_version: FormVersion,
    answers: Mapping[str, Any],
    attachments: Iterable[Attachment],
    created_at: datetime,
) -> dict[str, Any]:
    """The canonical document of these answers. Attachments count when the answers name them."""
    form = form_version.form
    referenced = referenced_ids(form_version.schema, answers)
    return submission_document(
        municipality=form.municipality.lg_code,
        form=form.slug,
        form_version=form_version.number,
        form_version_id=form_version.pk,
        answers=answers,
        attachments=[
            {"field": a.field_key, "name": a.name, "size": a.size, "sha256": a.sha256}
            for a in attachments
            if a.pk in referenced
        ],
        created_at=created_at,
    )


def stored_document(submission: Submission, *, created_at: datetime) -> dict[str, Any]:
    """The canonical document of a submission as the database holds it now."""
    return document_of(
        form_version=submission.form_version,
        answers=submission.answers,
        attachments=submission.attachments.all(),
        created_at=created_at,
    )


def corrected_document(
    submission: Submission, *, answers: Mapping[str, Any], created_at: datetime
) -> dict[str, Any]:
    """The document a correction with these answers would give: what the applicant re-signs.

    Files sent for the open correction are not the submission's yet; they count when the
    corrected answers name them.
    """
    pending = Attachment.objects.filter(
        correction__submission=submission, correction__resubmitted_at__isnull=True
    )
    return document_of(
        form_version=submission.form_version,
        answers=answers,
        attachments=[*submission.attachments.all(), *pending],
        created_at=created_at,
    )
