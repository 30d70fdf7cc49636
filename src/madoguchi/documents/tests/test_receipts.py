from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from pyhanko.pdf_utils.reader import PdfFileReader

from madoguchi.core import events
from madoguchi.documents import services
from madoguchi.documents.constants import ATTACHMENT_NAME, FORMAT
from madoguchi.documents.models import Receipt
from madoguchi.submissions.models import Submission


def _evidence(pdf: bytes) -> dict[str, Any]:
    reader = PdfFileReader(io.BytesIO(pdf))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert str(names[0]) == ATTACHMENT_NAME
    return dict(json.loads(names[1]["/EF"]["/F"].data))


def test_a_receipt_is_issued_once_and_then_served_as_the_same_bytes(
    submission: Submission,
) -> None:
    first = services.receipt_pdf(submission)
    second = services.receipt_pdf(submission)

    assert first == second
    assert first.startswith(b"%PDF-")
    receipt = Receipt.objects.get(submission=submission)
    assert receipt.sha256 == hashlib.sha256(first).hexdigest()
    assert receipt.file.name.startswith("receipts/")


def test_issuing_a_receipt_records_one_event_with_its_hash(submission: Submission) -> None:
    from madoguchi.ledger import selectors as ledger_selectors

    pdf = services.receipt_pdf(submission)
    services.receipt_pdf(submission)

    entries = ledger_selectors.entries_about(
        [events.submission_subject(submission.public_id)], [events.Event.RECEIPT_ISSUED.value]
    )
    assert [e.detail for e in entries] == [{"sha256": hashlib.sha256(pdf).hexdigest()}]


def test_the_evidence_carries_the_document_and_the_ledger_proof(
    submission: Submission, receipt: bytes
) -> None:
    evidence = _evidence(receipt)

    assert evidence["format"] == FORMAT
    assert evidence["receipt_number"] == submission.receipt_number
    assert evidence["public_id"] == str(submission.public_id)
    assert evidence["municipality"]["lg_code"] == submission.municipality.lg_code
    assert (
        hashlib.sha256(evidence["document"].encode()).hexdigest() == (evidence["document_sha256"])
    )
    assert evidence["signature"] is None
    ledger = evidence["ledger"]
    assert ledger["entry"]["event"] == "submission.submitted"
    assert ledger["entry"]["detail"]["document"] == evidence["document_sha256"]
    assert ledger["checkpoint"].startswith(ledger["checkpoint"].splitlines()[0])
    assert all(len(bytes.fromhex(node)) == 32 for node in ledger["proof"])


def test_the_receipt_names_the_city_and_the_receipt_number(
    submission: Submission, receipt: bytes
) -> None:
    reader = PdfFileReader(io.BytesIO(receipt))
    info = reader.trailer_view["/Info"]

    assert submission.receipt_number in str(info["/Title"])
    assert str(info["/Author"]) == submission.municipality.name
    assert "加賀 太郎" in _evidence(receipt)["document"]


def test_two_first_downloads_at_once_keep_one_receipt(
    submission: Submission, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_build = services.build_receipt

    def racing(made: Submission) -> bytes:
        # Another request issues the receipt while this one is still rendering.
        monkeypatch.setattr(services, "build_receipt", real_build)
        services.issue_receipt(made)
        return real_build(made)

    monkeypatch.setattr(services, "build_receipt", racing)

    served = services.receipt_pdf(submission)

    winner = Receipt.objects.get(submission=submission)
    assert hashlib.sha256(served).hexdigest() == winner.sha256
    assert Receipt.objects.filter(submission=submission).count() == 1
    # The loser's file was deleted: only the winner's is stored.
    year_dir, winner_name = winner.file.name.rsplit("/", 1)
    stored = default_storage.listdir(year_dir)[1]
    assert [n for n in stored if n.startswith(submission.receipt_number)] == [winner_name]


def test_an_english_submission_gets_an_english_receipt(form_version: Any) -> None:
    from madoguchi.testing.factories import submit_application

    made = submit_application(form_version, language="en")

    pdf = services.receipt_pdf(made)

    info = PdfFileReader(io.BytesIO(pdf)).trailer_view["/Info"]
    assert str(info["/Title"]).startswith("Receipt of application")
