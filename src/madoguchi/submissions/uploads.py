"""Receiving a resident's file: limits, virus scan, type by content, safe name, storage.

Every check runs before anything is stored; a refused file leaves no row and no bytes. An
accepted file is stored under a random name with the extension of its detected type, and
its display name is the resident's stem, cleaned, with that extension (see filenames).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext as _

from madoguchi.forms import fieldtypes
from madoguchi.forms.schema import FileField

from . import filenames, filetypes, scanners
from .models import Attachment, Correction, Draft

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadRefused:
    """Why a file was not stored, in the resident's language."""

    message: str
    # Nothing is wrong with the file: the virus scanner did not answer (HTTP 503).
    retry_later: bool = False


def _kinds(form_field: FileField) -> str:
    return "、".join(t.split("/")[1].upper() for t in form_field.accept)


def _limits_problem(
    form_field: FileField, upload: UploadedFile, owner: Draft | Correction
) -> UploadRefused | None:
    if owner.upload_count >= settings.MADOGUCHI_UPLOADS_PER_DRAFT:
        return UploadRefused(
            _(
                "Too many files were sent for this application. Keep the files already "
                "attached, or contact the office in charge."
            )
        )
    held = owner_attachments(owner).exclude(field_key=form_field.key).aggregate(total=Sum("size"))
    limit = settings.MADOGUCHI_DRAFT_UPLOAD_MB * 1024 * 1024
    if (held["total"] or 0) + (upload.size or 0) > limit:
        return UploadRefused(
            _(
                "The attached files together are larger than %(size)s MB. Attach smaller "
                "files (for example, scan at a lower resolution)."
            )
            % {"size": settings.MADOGUCHI_DRAFT_UPLOAD_MB}
        )
    return None


def owner_attachments(owner: Draft | Correction) -> QuerySet[Attachment]:
    """The files a draft holds, or those sent for a correction and not yet resent."""
    if isinstance(owner, Draft):
        return owner.attachments.all()
    return owner.pending_attachments.all()


def scan_problem(upload: UploadedFile, *, field_key: str) -> UploadRefused | None:
    """Scan with the configured scanner; an infected file is quarantined: never stored,
    logged with what was found and the file's hash, without the resident's data or name."""
    upload.seek(0)
    try:
        verdict = scanners.configured().scan(upload)
    except scanners.ScannerUnavailable as error:
        logger.error("upload refused: virus scanner unavailable (%s)", error)
        return UploadRefused(
            _(
                "Files cannot be checked for viruses right now, so the file was not saved. "
                "Please try again in a few minutes."
            ),
            retry_later=True,
        )
    finally:
        upload.seek(0)
    if isinstance(verdict, scanners.Infected):
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        logger.warning(
            "upload quarantined: virus %s found (field %s, %d bytes, sha256 %s)",
            verdict.signature,
            field_key,
            upload.size or 0,
            digest.hexdigest(),
        )
        return UploadRefused(
            _(
                "A virus was found in this file, so it was not saved. Check your device "
                "with antivirus software, then attach a clean copy of the document."
            )
        )
    return None


def store_upload(
    form_field: FileField,
    upload: UploadedFile,
    *,
    draft: Draft | None = None,
    correction: Correction | None = None,
) -> Attachment | UploadRefused:
    """Save a valid upload to a draft (or, pending, to a correction), or say what is wrong.

    A draft or correction keeps one file per field: a new one replaces it, and the replaced
    file is deleted from storage once the replacement is committed.
    """
    owner: Draft | Correction
    if draft is not None and correction is None:
        owner = draft
    elif correction is not None and draft is None:
        owner = correction
    else:
        raise TypeError("store_upload() needs exactly one of draft or correction")
    limit = int(form_field.max_size_mb * 1024 * 1024)
    if upload.size is None or upload.size > limit:
        return UploadRefused(
            _("The file is too large. Attach a file of %(size)s MB or less.")
            % {"size": f"{form_field.max_size_mb:g}"}
        )
    if upload.size == 0:
        return UploadRefused(_("The file is empty. Choose the file again."))
    problem = _limits_problem(form_field, upload, owner) or scan_problem(
        upload, field_key=form_field.key
    )
    if problem is not None:
        return problem
    verdict, content_type = filetypes.detect(upload, form_field.accept)
    if verdict is filetypes.Verdict.WRONG_TYPE or content_type is None:
        return UploadRefused(
            _("This type of file cannot be attached. Attach %(kinds)s.")
            % {"kinds": _kinds(form_field)}
        )
    if verdict is filetypes.Verdict.DAMAGED:
        return UploadRefused(
            _(
                "The file could not be read as %(kind)s: it may be damaged or of another "
                "type. Save or scan the document again as %(kinds)s and attach it."
            )
            % {"kind": content_type.split("/")[1].upper(), "kinds": _kinds(form_field)}
        )
    # The question's own checks; a photo is re-encoded here without its metadata (GPS).
    try:
        rewritten = fieldtypes.of(form_field).rewrite_upload(form_field, upload)
    except fieldtypes.FieldInvalid as error:
        return UploadRefused(error.message)
    size = upload.size
    if rewritten is not None:
        upload, size = (
            SimpleUploadedFile(upload.name or "", rewritten, content_type),
            len(rewritten),
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    extension = filenames.extension_for(content_type)
    with transaction.atomic():
        owner_attachments(owner).filter(field_key=form_field.key).delete()
        type(owner).objects.filter(pk=owner.pk).update(upload_count=F("upload_count") + 1)
        owner.upload_count += 1
        return Attachment.objects.create(
            draft=draft,
            correction=correction,
            field_key=form_field.key,
            # The resident's name never reaches the storage (disk path or object key).
            file=File(upload, name=f"{uuid.uuid4().hex}{extension}"),
            name=filenames.safe_name(upload.name or "", content_type),
            size=size,
            content_type=content_type,
            sha256=digest.hexdigest(),
        )


PAPER_SCAN_TYPES = ("application/pdf",)


def paper_scan_problem(upload: UploadedFile) -> UploadRefused | None:
    """What is wrong with the scan of a paper application staff attach at intake, if anything.

    The same checks as a resident's file, in the same order (size, virus scan, type read by
    content): a scan is a PDF of at most ``MADOGUCHI_DRAFT_UPLOAD_MB``. The caller stores
    it (``submissions.received.submit_received``); nothing is stored here.
    """
    limit = settings.MADOGUCHI_DRAFT_UPLOAD_MB * 1024 * 1024
    if upload.size is None or upload.size > limit:
        return UploadRefused(
            _("The file is too large. Attach a file of %(size)s MB or less.")
            % {"size": settings.MADOGUCHI_DRAFT_UPLOAD_MB}
        )
    if upload.size == 0:
        return UploadRefused(_("The file is empty. Choose the file again."))
    problem = scan_problem(upload, field_key="paper_scan")
    if problem is not None:
        return problem
    verdict, _content_type = filetypes.detect(upload, PAPER_SCAN_TYPES)
    if verdict is filetypes.Verdict.WRONG_TYPE:
        return UploadRefused(
            _("This type of file cannot be attached. Attach %(kinds)s.") % {"kinds": "PDF"}
        )
    if verdict is filetypes.Verdict.DAMAGED:
        return UploadRefused(
            _(
                "The file could not be read as %(kind)s: it may be damaged or of another "
                "type. Save or scan the document again as %(kinds)s and attach it."
            )
            % {"kind": "PDF", "kinds": "PDF"}
        )
    return None
