"""What the back office's 「この端末の鍵で開く」 fetches to open a sealed application in the
browser, with a key file on the staff member's device (:mod:`.keyfile`).

The page (``integrations/browser_open.html``, ``madoguchi/browser-open.js``) decrypts in the
browser; nothing decrypted and no key ever comes back here. These two reads hand it what the
LGWAN node gets through the system API: the sealed payload (with the AAD strings of
:mod:`.sealing`, so the byte layout lives in one place, and the form's questions to label the
answers), and each attached file's ciphertext. They are scoped like the detail page (the
staff's departments; anything else is 404) and recorded like it: a staff view of the
application (``part`` ``sealed`` or ``attachment``) in the ledger and the resident's access
history, with no personal data.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from madoguchi.backoffice import services as backoffice_services
from madoguchi.core.staff import staff_of, staff_required
from madoguchi.forms.schema import ChoiceField, FormSchema, NumberField
from madoguchi.submissions import selectors as submission_selectors
from madoguchi.submissions.models import Attachment, Correction, Submission
from madoguchi.tenants.models import StaffMember

from . import sealing


def _sealed_or_404(staff: StaffMember, receipt_number: str) -> Submission:
    try:
        submission = submission_selectors.submission_for_staff(staff, receipt_number)
    except Submission.DoesNotExist as error:
        raise Http404 from error
    if not sealing.is_sealed(submission):
        raise Http404
    return submission


def form_questions(schema: FormSchema, language: str) -> list[dict[str, Any]]:
    """The form's steps and questions as the page needs them to label and read the answers:
    the label, the type, and a choice's option labels or a number's unit."""
    steps = []
    for step in schema.steps:
        fields = []
        for field in step.fields:
            if not field.collects_input:
                continue
            described: dict[str, Any] = {
                "key": field.key,
                "label": field.label.get(language),
                "type": field.type,
            }
            if isinstance(field, ChoiceField):
                described["options"] = {o.value: o.label.get(language) for o in field.options}
            if isinstance(field, NumberField):
                described["unit"] = field.unit.get(language) if field.unit else ""
                described["grouping"] = field.grouping
            fields.append(described)
        steps.append({"title": step.title.get(language), "fields": fields})
    return steps


def _files(
    submission: Submission, listed: dict[str, Any], attachments: dict[str, Attachment]
) -> list[dict[str, Any]]:
    """The files a sealed payload lists that are still the application's (a correction's
    resend takes the files it replaced out of it), each with its AAD and where to fetch it."""
    found = []
    for attachment_id, clear in listed.items():
        attachment = attachments.get(str(attachment_id))
        if attachment is None:
            continue
        found.append(
            {
                "id": attachment.pk,
                "field_key": attachment.field_key,
                "sha256": clear.get("sha256", ""),
                "size": clear.get("size", 0),
                "aad": sealing.file_aad(submission.public_id, attachment.pk).decode("ascii"),
                "url": reverse(
                    "integrations:sealed_file", args=[submission.receipt_number, attachment.pk]
                ),
            }
        )
    return found


@require_GET
@staff_required
def sealed_payload(request: HttpRequest, receipt_number: str) -> JsonResponse:
    """The sealed application for the browser to open (ciphertext, recipients, AAD), with
    the sealed corrections the applicant resent (each under its own content key, sealed to the
    keys of its time)."""
    staff = staff_of(request)
    submission = _sealed_or_404(staff, receipt_number)
    payload = sealing.sealed_payload(submission)
    if payload is None:  # unsealed between the two reads
        raise Http404
    public_id = submission.public_id
    attachments = {
        str(a.pk): a for a in Attachment.objects.filter(submission=submission).order_by("pk")
    }
    corrections = []
    for correction in Correction.objects.filter(
        submission=submission, resubmitted_at__isnull=False
    ).order_by("resubmitted_at", "pk"):
        sealed_correction = sealing.sealed_correction_payload(correction)
        if sealed_correction is None:
            continue
        assert correction.resubmitted_at is not None
        corrections.append(
            {
                "id": correction.pk,
                "resubmitted_at": correction.resubmitted_at.isoformat(),
                "content_aad": sealing.correction_aad(public_id, correction.pk).decode("ascii"),
                "files": _files(submission, sealed_correction.pop("files"), attachments),
                "sealed": sealed_correction,
            }
        )
    backoffice_services.record_staff_view(staff, submission, part="sealed")
    return JsonResponse(
        {
            "receipt_number": submission.receipt_number,
            "public_id": str(public_id),
            "content_aad": sealing.content_aad(public_id).decode("ascii"),
            "sealed": payload,
            "files": _files(submission, payload.pop("files"), attachments),
            "corrections": corrections,
            "steps": form_questions(submission.form_version.schema, get_language() or "ja"),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@staff_required
def sealed_file(request: HttpRequest, receipt_number: str, pk: int) -> FileResponse:
    """One attached file's ciphertext (``nonce || AES-256-GCM``), as stored."""
    staff = staff_of(request)
    submission = _sealed_or_404(staff, receipt_number)
    try:
        found = Attachment.objects.get(submission=submission, pk=pk)
    except Attachment.DoesNotExist as error:
        raise Http404 from error
    backoffice_services.record_staff_view(staff, submission, part="attachment")
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=f"sealed-{found.pk}.bin",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
