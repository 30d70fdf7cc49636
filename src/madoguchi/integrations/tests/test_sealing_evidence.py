"""With encryption on, the signature and the receipt's ledger chain still verify: the opened
document hashes to ``document_sha256``, the CMS evidence verifies over it with the signatures
app's own verifier, and the SUBMITTED event has an inclusion proof to the ledger's root."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from madoguchi.core import events
from madoguchi.integrations import key_services, sealing
from madoguchi.integrations.models import EncryptionKey, KeyPurpose
from madoguchi.ledger import merkle
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.ledger.models import LedgerEntry
from madoguchi.signatures.evidence import SignedDocument
from madoguchi.signatures.models import SignatureEvidence
from madoguchi.signatures.verify import verify_bundle
from madoguchi.simulators.idp import authorities
from madoguchi.simulators.idp.residents import get_resident
from madoguchi.submissions import document as canonical
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

from .test_sealing import FILE_SCHEMA, register_keys

pytestmark = pytest.mark.django_db


def _signed(document: bytes, created_at: Any) -> SignedDocument:
    """``document`` signed with a devidp demo card, as the card and the server would."""
    card = authorities.card(get_resident("kaga-taro"))
    hierarchy = authorities.test_pki()
    now = timezone.now()
    return SignedDocument(
        document=document,
        created_at=created_at,
        signature=card.signing_key.sign(document, padding.PKCS1v15(), hashes.SHA256()),
        certificate=card.signing_certificate,
        chain=[hierarchy.sign.certificate, hierarchy.root.certificate],
        crls=[authorities.crl_for("sign", now=now), authorities.crl_for("root", now=now)],
        validation={"status": "valid", "checked_at": now.isoformat(), "path": []},
    )


def test_a_sealed_signed_application_still_verifies_its_signature_and_ledger_entry(
    department: Department,
) -> None:
    private = register_keys(department)
    version = publish_form(department=department, slug="signed", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    draft, _token = submission_services.start_draft(form_version=version, language="ja")
    assert submission_services.save_step(
        draft=draft,
        step_index=0,
        data={"name": "署名 封子", "note": "署名付き"},
        files={"card": SimpleUploadedFile("c.pdf", pdf_bytes("signed"), "application/pdf")},
    ).ok
    created_at = timezone.now().replace(microsecond=0)
    document = canonical.canonical_bytes(
        submission_services.draft_document(draft=draft, created_at=created_at)
    )

    submission = submission_services.submit_draft(
        draft=draft, signature=_signed(document, created_at)
    )

    stored = Submission.objects.get(pk=submission.pk)
    assert sealing.is_sealed(stored) and stored.document == ""
    department_key = {
        fp: key
        for fp, key in private.items()
        if EncryptionKey.objects.filter(fingerprint=fp, purpose=KeyPurpose.DEPARTMENT).exists()
    }
    opened = sealing.open_submission(stored, department_key)
    opened_document = opened["document"].encode("utf-8")
    assert opened_document == document
    assert hashlib.sha256(opened_document).hexdigest() == stored.document_sha256
    evidence = SignatureEvidence.objects.get(submission=stored)
    assert evidence.document_sha256 == stored.document_sha256
    report = verify_bundle(
        evidence.bundle(),
        document=opened_document,
        trust_roots=authorities.test_pki().trust_roots,
    )
    assert report.document_sha256 == stored.document_sha256

    entry = LedgerEntry.objects.get(
        event=events.Event.SUBMITTED.value,
        subject=events.submission_subject(stored.public_id),
    )
    assert entry.detail["document"] == stored.document_sha256
    head = ledger_selectors.current_head()
    proof = ledger_selectors.inclusion_proof(entry.index, head.size)
    assert merkle.verify_inclusion(
        entry.index, head.size, merkle.leaf_hash(entry.entry_bytes()), proof, head.root
    )
