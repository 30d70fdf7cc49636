"""A verified signature on its way into the database: the CMS container and the evidence row.

:class:`SignedDocument` is a ``submissions.signing.Signature``: the submission services
store the document it carries and call its :meth:`~SignedDocument.record` inside their
own transaction, without importing this app (which sits above them).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import transaction

from madoguchi.core import events
from madoguchi.identity import jpki
from madoguchi.identity.models import VerifiedIdentity
from madoguchi.submissions.models import Submission

from .models import SignatureEvidence

__all__ = ["SignedDocument", "build_cms", "issuer_ca_name", "record_evidence"]


@dataclass(frozen=True)
class SignedDocument:
    """A document the resident signed, and everything the server checked about it.

    ``document`` is the canonical JSON exactly as hashed and signed; ``created_at`` the
    moment written into it (the start of signing). ``signature`` is the card's PKCS#1
    v1.5 signature, ``chain`` the CA certificates above ``certificate`` and ``crls`` the
    revocation lists used; ``validation`` is JSON describing the outcome.
    """

    document: bytes
    created_at: datetime
    signature: bytes
    certificate: x509.Certificate
    chain: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    validation: dict[str, Any] = field(default_factory=dict)

    @property
    def document_sha256(self) -> str:
        return hashlib.sha256(self.document).hexdigest()

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)

    def record(self, submission: Submission) -> SignatureEvidence:
        """Store the evidence for ``submission`` (see :func:`record_evidence`)."""
        return record_evidence(submission=submission, signed=self)


def _der(item: x509.Certificate | x509.CertificateRevocationList) -> bytes:
    return item.public_bytes(Encoding.DER)


def build_cms(signed: SignedDocument) -> bytes:
    """Detached CMS SignedData around the card's signature (DER).

    No signed attributes: the SignerInfo's signature is then, by RFC 5652 §5.4, the
    signature over the content itself, which is exactly what the card produced. Any CMS
    tool can check it against the document (``openssl cms -verify -binary -content``).
    """
    cert = asn1_x509.Certificate.load(signed.certificate_der)
    sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": cert.issuer, "serial_number": cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": sha256,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
            "signature": signed.signature,
        }
    )
    certificates = [cert, *(asn1_x509.Certificate.load(_der(c)) for c in signed.chain)]
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [sha256],
            "encap_content_info": {"content_type": "data"},  # no content: detached
            "certificates": [cms.CertificateChoices({"certificate": c}) for c in certificates],
            "crls": [
                cms.RevocationInfoChoice({"crl": asn1_crl.CertificateList.load(_der(c))})
                for c in signed.crls
            ],
            "signer_infos": [signer],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def issuer_ca_name(certificate: x509.Certificate) -> str:
    """A short name of the issuing CA for the ledger: its last OU (or CN), not a person."""
    for oid in (x509.NameOID.COMMON_NAME, x509.NameOID.ORGANIZATIONAL_UNIT_NAME):
        values = certificate.issuer.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)[:100]
    return certificate.issuer.rfc4514_string()[:100]


def record_evidence(*, submission: Submission, signed: SignedDocument) -> SignatureEvidence:
    """Store the evidence and the SIGNED event, in the caller's transaction.

    The verified identity behind the submission gets the signing certificate's serial and
    issuer: the authentication login alone never reveals them.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_evidence() belongs inside the submission's transaction")
    certificate_sha256 = hashlib.sha256(signed.certificate_der).hexdigest()
    serial = jpki.format_serial(signed.certificate.serial_number)
    issuer = signed.certificate.issuer.rfc4514_string()[:300]
    evidence = SignatureEvidence.objects.create(
        submission=submission,
        document_sha256=signed.document_sha256,
        cms=build_cms(signed),
        certificate=signed.certificate_der,
        certificate_sha256=certificate_sha256,
        crls=[base64.b64encode(_der(c)).decode("ascii") for c in signed.crls],
        validation=signed.validation,
        signer_serial=serial,
        signer_issuer=issuer,
        signed_at=signed.created_at,
    )
    if submission.identity_id is not None:
        VerifiedIdentity.objects.filter(pk=submission.identity_id).update(
            certificate_serial=serial[:80], certificate_issuer=issuer
        )
    events.record(
        events.Event.SIGNED,
        actor=events.pseudonym("person", submission.identity.subject)
        if submission.identity
        else "resident",
        subject=events.submission_subject(submission.public_id),
        detail={
            "document": signed.document_sha256,
            "certificate": certificate_sha256,
            "issuer_ca": issuer_ca_name(signed.certificate),
        },
    )
    return evidence
