"""Evidence of a resident's signature, kept with the submission it signs."""

from __future__ import annotations

import base64
from typing import Any

from django.db import models

from madoguchi.submissions.models import Submission

BUNDLE_FORMAT = "madoguchi-signature/1"


class SignatureEvidence(models.Model):
    """What proves that the card holder signed ``submission.document``, offline and later.

    ``cms`` is a detached CMS SignedData (RFC 5652) whose one SignerInfo carries exactly
    the card's PKCS#1 v1.5 signature over the document bytes (no signed attributes), with
    the signing certificate and its CA chain, and the CRLs that were checked. The same
    certificate and CRLs are also kept on their own, for readers without a CMS parser.
    ``validation`` records what the server concluded, and when.
    """

    # One per signed document: the first submission, and each signed correction after it.
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="signatures")
    document_sha256 = models.CharField(max_length=64)
    cms = models.BinaryField()
    certificate = models.BinaryField()
    certificate_sha256 = models.CharField(max_length=64, db_index=True)
    # DER of each CRL consulted, base64.
    crls = models.JSONField(default=list)
    # {"status", "path", "checked_at", "crls": [{"issuer", "this_update", "next_update"}], ...}
    validation = models.JSONField(default=dict)
    signer_serial = models.CharField(max_length=80)
    signer_issuer = models.CharField(max_length=300)
    signed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "signature evidence"
        verbose_name_plural = "signature evidence"

    def __str__(self) -> str:
        return f"signature of {self.submission_id} by certificate {self.signer_serial}"

    def bundle(self) -> dict[str, Any]:
        """The evidence as JSON (base64 for binary): what receipts embed and verifiers read."""
        return {
            "format": BUNDLE_FORMAT,
            "document_sha256": self.document_sha256,
            "cms": base64.b64encode(bytes(self.cms)).decode("ascii"),
            "certificate": base64.b64encode(bytes(self.certificate)).decode("ascii"),
            "crls": list(self.crls),
            "validation": dict(self.validation),
        }
