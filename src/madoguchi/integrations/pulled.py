"""On the LGWAN node: what a pull brings, and how its files become this node's.

An application as the internet node's system API gives it, decrypted, its files downloaded
(:class:`Pulled`), with the resident's resent corrections not applied here yet, opened
(:class:`PulledCorrection`). Its files become local Attachment rows, on the submission or,
until it is applied, on a correction; the answers name them by this node's ids
(:func:`with_local_file_ids`). Stored by :mod:`.mirror`, corrections applied by
:mod:`.mirror_corrections`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils.dateparse import parse_datetime

from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Attachment, Channel, Correction, Submission


class MirrorError(Exception):
    """The pulled application cannot be stored here. The message names ids and codes only."""


@dataclass(frozen=True)
class PulledFile:
    remote_id: int
    field: str
    name: str
    size: int
    content_type: str
    sha256: str
    content: bytes


@dataclass(frozen=True)
class PulledCorrection:
    """The resident's resend of a correction on the internet node, opened: the reopened
    answers (files named by the internet node's ids) and the files the correction added."""

    remote_id: str
    answers: dict[str, Any]
    files: list[PulledFile] = field(default_factory=list)
    # The questions it reopened, as the internet node has them.
    fields: list[str] = field(default_factory=list)
    # Why it was returned (the applicant reads it), and when it was returned and resent there.
    reason: str = ""
    requested_at: datetime | None = None
    resubmitted_at: datetime | None = None


@dataclass
class Pulled:
    """One application as the system API gave it, decrypted, its files downloaded."""

    public_id: str
    receipt_number: str
    status: str
    form_slug: str
    form_version: int
    channel: str
    submitted_at: datetime
    answers: dict[str, Any]
    document: str
    document_sha256: str
    applicant_name: str = ""
    language: str = "ja"
    files: list[PulledFile] = field(default_factory=list)
    # The resent corrections not applied here yet, oldest first.
    corrections: list[PulledCorrection] = field(default_factory=list)
    # Sealed: ``answers``, ``document`` and ``files`` are the application as first submitted
    # (each resent correction comes sealed apart). Clear: as they stand now, corrections
    # included.
    sealed: bool = False
    # The reason of the return open on the internet node (status RETURNED there), if any.
    return_reason: str = ""

    @classmethod
    def from_api(
        cls,
        detail: dict[str, Any],
        *,
        answers: dict[str, Any],
        document: str,
        applicant_name: str,
        files: list[PulledFile],
    ) -> Pulled:
        form = detail.get("form") or {}
        submitted_at = parse_datetime(str(detail.get("submitted_at") or ""))
        version = form.get("version")
        slug = form.get("slug") or form.get("id")
        if submitted_at is None or not isinstance(version, int) or not isinstance(slug, str):
            raise MirrorError(
                f"application {detail.get('id')}: form, version or submitted_at missing"
            )
        return cls(
            public_id=str(detail["id"]),
            receipt_number=str(detail["receipt_number"]),
            status=str(detail["status"]),
            form_slug=slug,
            form_version=version,
            channel=str(detail.get("channel") or Channel.ONLINE),
            submitted_at=submitted_at,
            answers=answers,
            document=document,
            document_sha256=str(detail.get("document_sha256") or ""),
            applicant_name=applicant_name,
            language=str(detail.get("language") or "ja"),
            files=files,
        )


def applicant_name(form_version: FormVersion, pulled: Pulled) -> str:
    """As the internet node had it (sealed), else from the answers as submitting makes it."""
    if pulled.applicant_name:
        return pulled.applicant_name[:200]
    key = form_version.schema.applicant_name_field
    return str(pulled.answers.get(key, ""))[:200] if key else ""


def with_local_file_ids(
    answers: dict[str, Any], ids: dict[int, int], *, known_only: bool = False
) -> dict[str, Any]:
    """The answers with each file descriptor's id turned into the local attachment's id, so
    the back office finds the files (the document keeps the internet node's, as signed).
    ``known_only``: a file not here (no longer served) keeps its name but loses its id, so
    it cannot name another file of this node."""
    result: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, list) and all(
            isinstance(item, dict) and isinstance(item.get("id"), int) for item in value
        ):
            result[key] = [
                item | {"id": ids[item["id"]]}
                if item["id"] in ids
                else ({k: v for k, v in item.items() if k != "id"} if known_only else item)
                for item in value
            ]
        else:
            result[key] = value
    return result


def attach(submission: Submission, files: list[PulledFile]) -> dict[int, int]:
    """The pulled files as the submission's attachments: remote id → local id."""
    return _attachments(files, submission=submission)


def attach_to_correction(correction: Correction, files: list[PulledFile]) -> dict[int, int]:
    """The correction's new files wait on it until it is applied, as a resident's upload."""
    return _attachments(files, correction=correction)


def _attachments(files: list[PulledFile], **owner: Submission | Correction) -> dict[int, int]:
    ids: dict[int, int] = {}
    for item in files:
        attachment = Attachment.objects.create(
            **owner,
            field_key=item.field,
            file=ContentFile(item.content, name="pulled"),
            name=item.name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
        )
        ids[item.remote_id] = attachment.pk
    return ids
