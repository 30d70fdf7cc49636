"""Issuing receipts: render, attach the evidence, seal, store once, record the event."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from madoguchi.core import events
from madoguchi.forms import rendering
from madoguchi.identity import jpki
from madoguchi.jp.wareki import format_wareki
from madoguchi.submissions import identity_levels, sealed
from madoguchi.submissions.models import Submission

from . import evidence as receipt_evidence
from . import masking, pdf, seal, signing, tsa
from .models import Receipt

__all__ = ["build_receipt", "issue_receipt", "receipt_pdf"]

logger = logging.getLogger(__name__)


def site_url(path: str) -> str:
    return f"{settings.MADOGUCHI_SITE_URL.rstrip('/')}{path}"


def _dates(submission: Submission) -> tuple[str, str]:
    """The moment of submission in 和暦 and in the western calendar (Japan time)."""
    moment = timezone.localtime(submission.submitted_at)
    wareki = format_wareki(moment.date())
    if translation.get_language() == "en":
        return (
            f"{format_wareki(moment.date(), style='english')} {moment:%H:%M} JST",
            f"{wareki} {moment.hour}時{moment.minute:02d}分",
        )
    return (
        f"{wareki} {moment.hour}時{moment.minute:02d}分",
        f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}（日本時間）",
    )


def _identity(submission: Submission, bundle: dict[str, Any] | None) -> str:
    if bundle is not None:
        return _("Signed with the My Number Card signing certificate")
    return identity_levels.label(submission.identity_level)


def _certificate(bundle: dict[str, Any]) -> x509.Certificate | None:
    """The signer's certificate from an evidence bundle (PEM or base64 DER), if it has one."""
    for key in ("certificate", "signer_certificate", "certificate_pem", "certificate_der"):
        value = bundle.get(key)
        if not isinstance(value, str) or not value:
            continue
        try:
            if "BEGIN CERTIFICATE" in value:
                return x509.load_pem_x509_certificate(value.encode())
            return x509.load_der_x509_certificate(base64.b64decode(value))
        except ValueError:
            continue
    return None


def _common_name(name: x509.Name) -> str:
    names = name.get_attributes_for_oid(NameOID.COMMON_NAME) or name.get_attributes_for_oid(
        NameOID.ORGANIZATIONAL_UNIT_NAME
    )
    return str(names[0].value) if names else name.rfc4514_string()


def _signature_summary(bundle: dict[str, Any] | None) -> str:
    if bundle is None:
        return _("None (the application was not signed)")
    certificate = _certificate(bundle)
    if certificate is None:
        return _("Signed by the applicant")
    return _("Signing certificate serial %(serial)s, issued by %(issuer)s") % {
        "serial": jpki.format_serial(certificate.serial_number),
        "issuer": _common_name(certificate.issuer),
    }


def _ledger_summary(found: receipt_evidence.Evidence) -> str:
    if found.ledger_index is None:
        return _("Not recorded")
    return _(
        "Entry #%(index)s, included in the signed checkpoint of %(size)s entries (root %(root)s…)"
    ) % {
        "index": found.ledger_index,
        "size": found.checkpoint_size,
        "root": found.checkpoint_root[:16],
    }


def _content(
    submission: Submission, found: receipt_evidence.Evidence, credential: seal.SealCredential
) -> pdf.ReceiptContent:
    language = translation.get_language() or "ja"
    form_version = submission.form_version
    schema = form_version.schema
    received, received_other = _dates(submission)
    sections = rendering.answer_sections(schema, submission.answers, answered_only=True)
    notes = []
    if sealed.is_sealed(submission):
        # End-to-end encrypted (integrations): this server holds no answers to print.
        notes.append(
            _(
                "The answers are encrypted to the department's key and are not printed "
                "here; the department reads them on its LGWAN side."
            )
        )
    if seal.uses_test_seal():
        notes.append(
            _(
                "This receipt is sealed with a test certificate of a development system "
                "and has no official effect."
            )
        )
    return pdf.ReceiptContent(
        language=language,
        municipality=submission.municipality.localized_name(language),
        department=submission.department.localized_name(language),
        department_phone=submission.department.phone,
        procedure=schema.title.get(language),
        receipt_number=submission.receipt_number,
        submitted_wareki=received,
        submitted_western=received_other,
        channel=str(submission.get_channel_display()),
        identity=_identity(submission, found.document["signature"]),
        answers=[
            pdf.AnswerBlock(
                s.title,
                [(row["label"], masking.for_receipt(row["key"], row["value"])) for row in s.rows],
            )
            for s in sections
        ],
        document_sha256=str(found.document["document_sha256"]) or _("Not recorded"),
        signature=_signature_summary(found.document["signature"]),
        ledger=_ledger_summary(found),
        reference_url=site_url(reverse("documents:reference", args=[submission.public_id])),
        trust_url=site_url(reverse("documents:trust")),
        issued_wareki=format_wareki(
            timezone.localdate(), style="english" if language == "en" else "kanji"
        ),
        seal_name=_common_name(credential.certificate.subject),
        notes=notes,
    )


def build_receipt(submission: Submission) -> bytes:
    """Render and seal a new receipt for ``submission`` (nothing is stored).

    Gathering the evidence may sign a ledger checkpoint, so call this outside any
    transaction that appended to the ledger.
    """
    credential = seal.seal_for(submission.municipality)
    with translation.override(submission.language or "ja"):
        found = receipt_evidence.collect(submission)
        unsigned = pdf.render_receipt(_content(submission, found, credential))
        return signing.seal_pdf(
            unsigned,
            evidence=receipt_evidence.serialise(found.document),
            credential=credential,
            timestamper=tsa.timestamper(),
            reason=_("Receipt of application %(number)s") % {"number": submission.receipt_number},
            location=submission.municipality.localized_name(submission.language or "ja"),
        )


def issue_receipt(submission: Submission) -> Receipt:
    """The submission's receipt, made and stored on first use; the stored one afterwards.

    Made lazily (on the first download) so that submitting stays fast. Two first
    downloads at once may both render, but the one-to-one constraint keeps one receipt:
    the other discards its file and returns the winner.
    """
    existing = Receipt.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    data = build_receipt(submission)
    digest = hashlib.sha256(data).hexdigest()
    receipt = Receipt(submission=submission, sha256=digest, size=len(data))
    receipt.file.save(f"{submission.receipt_number}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            receipt.save()
            events.record(
                events.Event.RECEIPT_ISSUED,
                actor=f"municipality:{submission.municipality.lg_code}",
                subject=events.submission_subject(submission.public_id),
                detail={"sha256": digest},
            )
    except IntegrityError:
        receipt.file.delete(save=False)
        return Receipt.objects.get(submission=submission)
    logger.info("receipt issued for %s", submission.receipt_number)
    return receipt


def receipt_pdf(submission: Submission) -> bytes:
    """The bytes of the submission's signed receipt (the same bytes every time)."""
    receipt = issue_receipt(submission)
    with receipt.file.open("rb") as handle:
        return bytes(handle.read())
