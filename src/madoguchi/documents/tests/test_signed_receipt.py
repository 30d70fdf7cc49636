"""A receipt of a signed application: the resident's signature travels in the evidence."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization

from madoguchi.documents import seal, services
from madoguchi.documents.verify import verify_receipt
from madoguchi.identity import jpki
from madoguchi.submissions.models import Submission


@pytest.fixture
def signed(submission: Submission) -> Submission:
    from madoguchi.signatures import selectors as signature_selectors
    from madoguchi.signatures.evidence import build_cms
    from madoguchi.signatures.models import SignatureEvidence
    from madoguchi.signatures.tests.conftest import signed_by

    document = submission.document.encode()
    made = signed_by("kaga-taro", document)
    SignatureEvidence.objects.create(
        submission=submission,
        document_sha256=hashlib.sha256(document).hexdigest(),
        cms=build_cms(made),
        certificate=made.certificate_der,
        certificate_sha256=hashlib.sha256(made.certificate_der).hexdigest(),
        crls=[
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in made.crls
        ],
        validation=made.validation,
        signer_serial=jpki.format_serial(made.certificate.serial_number),
        signer_issuer=made.certificate.issuer.rfc4514_string(),
        signed_at=made.created_at,
    )
    assert signature_selectors.evidence_for(submission) is not None
    return Submission.objects.get(pk=submission.pk)


def test_a_signed_application_s_receipt_carries_and_verifies_the_signature(
    signed: Submission,
) -> None:
    from madoguchi.ledger import checkpoint
    from madoguchi.signatures.selectors import jpki_trust_roots

    pdf = services.receipt_pdf(signed)

    report = verify_receipt(
        pdf,
        seal_roots=seal.seal_roots(),
        ledger_key_text=checkpoint.public_key_text(),
        jpki_roots=jpki_trust_roots(),
    )
    assert report.ok, report.failures
    assert [c.ok for c in report.checks if c.name == "signature"] == [True]
    start = pdf.index(b'{"document":')
    evidence = json.loads(pdf[start : pdf.index(b"endstream", start)].strip())
    assert evidence["signature"]["certificate"]


def test_a_signature_under_another_root_fails_by_name(signed: Submission) -> None:
    from datetime import date

    from madoguchi.simulators.idp import pki

    pdf = services.receipt_pdf(signed)

    report = verify_receipt(
        pdf,
        seal_roots=seal.seal_roots(),
        ledger_key_text=None,
        jpki_roots=pki.cached_foreign_pki(date.today()).trust_roots,
    )

    assert not report.ok
    assert any(f.startswith("The applicant's signature does not verify") for f in report.failures)


def test_without_a_jpki_root_the_signature_is_reported_as_unchecked(signed: Submission) -> None:
    pdf = services.receipt_pdf(signed)

    report = verify_receipt(pdf, seal_roots=seal.seal_roots(), ledger_key_text=None, jpki_roots=[])

    assert [c.ok for c in report.checks if c.name == "signature"] == [None]
