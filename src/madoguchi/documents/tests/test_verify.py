from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from madoguchi.documents import seal, services
from madoguchi.documents.tests.test_signed_receipt import signed  # noqa: F401 (fixture)
from madoguchi.documents.verify import ReceiptReport, verify_receipt, verify_receipt_file
from madoguchi.identity import jpki
from madoguchi.ledger import checkpoint
from madoguchi.submissions import workflow


def _ledger_key() -> str:
    return checkpoint.public_key_text()


def _verify(pdf: bytes, roots: list[x509.Certificate] | None = None) -> ReceiptReport:
    return verify_receipt(
        pdf,
        seal_roots=seal.seal_roots() if roots is None else roots,
        ledger_key_text=_ledger_key(),
        jpki_roots=[],
    )


def _flip(pdf: bytes, position: int) -> bytes:
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def _page_content(pdf: bytes) -> int:
    """A position inside the first page's content stream: what the receipt shows."""
    match = re.search(rb"stream\r?\n", pdf[200:])
    assert match
    return 200 + match.end() + 20


def _byte_range(pdf: bytes) -> list[int]:
    match = re.search(rb"/ByteRange \[([0-9 ]+)\]", pdf)
    assert match
    return [int(v) for v in match.group(1).split()]


def test_a_receipt_as_issued_verifies(receipt: bytes) -> None:
    report = _verify(receipt)

    assert report.ok, report.failures
    checks = {c.name: c.ok for c in report.checks}
    assert checks["seal"] and checks["timestamp"] and checks["evidence"] and checks["document"]
    assert checks["signature"] is None  # the applicant did not sign this one
    assert checks["ledger"] is True


def test_one_changed_byte_of_the_page_is_named(receipt: bytes) -> None:
    position = _page_content(receipt)

    report = _verify(_flip(receipt, position))

    assert not report.ok
    assert "The PDF was changed after the city signed it." in report.failures


def test_one_changed_byte_of_the_embedded_evidence_is_named(
    submission: object, receipt: bytes
) -> None:
    position = receipt.index(b'"receipt_number":"') + len(b'"receipt_number":"') + 3

    report = _verify(_flip(receipt, position))

    assert not report.ok
    assert (
        "The embedded evidence (madoguchi-evidence.json) was changed after the city signed it."
        in report.failures
    )
    assert "The PDF was changed after the city signed it." in report.failures


def test_a_changed_application_document_is_named(receipt: bytes) -> None:
    position = receipt.index("加賀 太郎".encode())

    report = _verify(_flip(receipt, position))

    assert "The application data does not match its SHA-256 (changed)." in report.failures


def test_a_changed_byte_in_the_signature_value_is_named(receipt: bytes) -> None:
    _start, gap_start, gap_end, _length = _byte_range(receipt)
    # In the zero padding after the CMS structure, which PDF readers ignore.
    padding = receipt.rindex(b"00", gap_start, gap_end) - 10

    report = _verify(_flip(receipt, padding))

    assert not report.ok
    assert any("signature value was altered" in f for f in report.failures)


def test_content_appended_after_signing_is_named(receipt: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(receipt))
    writer.root["/Lang"] = writer.root.get("/Lang", "en")  # any change will do
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)

    report = _verify(output.getvalue())

    assert not report.ok
    assert "Content was added to the PDF after the city signed it." in report.failures


def test_a_seal_from_an_untrusted_root_is_named(receipt: bytes, tmp_path: Path) -> None:
    from django.test import override_settings

    with override_settings(MADOGUCHI_KEYS_DIR=tmp_path):
        other_roots = seal.seal_roots()

    report = _verify(receipt, other_roots)

    assert not report.ok
    assert any("does not lead to the root certificate you gave" in f for f in report.failures)


def test_random_single_byte_changes_anywhere_are_detected(receipt: bytes) -> None:
    # A sample across the file (a full sweep is in docs/trust.md); seeded, so repeatable.
    import random

    positions = random.Random(4).sample(range(len(receipt)), 10)

    undetected = [p for p in positions if _verify(_flip(receipt, p)).ok]

    assert undetected == []


def test_the_command_line_prints_the_report_and_exits_with_its_verdict(
    receipt: bytes, tmp_path: Path
) -> None:
    (tmp_path / "receipt.pdf").write_bytes(receipt)
    (tmp_path / "bad.pdf").write_bytes(_flip(receipt, _page_content(receipt)))
    (tmp_path / "root.pem").write_bytes(seal.roots_pem())
    out = io.StringIO()

    good = verify_receipt_file(
        tmp_path / "receipt.pdf",
        seal_root_files=[tmp_path / "root.pem"],
        ledger_key_file=None,
        jpki_root_files=[],
        out=out,
    )
    bad = verify_receipt_file(
        tmp_path / "bad.pdf",
        seal_root_files=[tmp_path / "root.pem"],
        ledger_key_file=None,
        jpki_root_files=[],
        out=out,
    )
    missing_root = verify_receipt_file(
        tmp_path / "receipt.pdf",
        seal_root_files=[],
        ledger_key_file=None,
        jpki_root_files=[],
        out=out,
    )

    assert (good, bad, missing_root) == (0, 1, 2)
    text = out.getvalue()
    assert "VALID: the receipt is as the city issued it." in text
    assert "FAIL" in text and "The PDF was changed after the city signed it." in text


def test_garbage_is_reported_not_raised() -> None:
    report = verify_receipt(
        b"%PDF-1.7\nnot really", seal_roots=[], ledger_key_text=None, jpki_roots=[]
    )

    assert not report.ok
    assert report.failures


def test_the_published_root_is_the_one_that_verifies(receipt: bytes) -> None:
    roots = x509.load_pem_x509_certificates(seal.roots_pem())

    assert _verify(receipt, roots).ok
    assert roots[0].public_bytes(serialization.Encoding.DER) == seal.seal_roots()[0].public_bytes(
        serialization.Encoding.DER
    )


def test_a_receipt_issued_after_a_correction_proves_the_corrected_document(
    submission: Any, staff: Any
) -> None:
    _fix, token = workflow.return_for_correction(
        submission=submission, staff=staff, reason="フリガナの誤り", fields=["name_kana"]
    )
    resident = Client()
    resident.post(reverse("submissions:correction", args=[token]), {"name_kana": "カガ ジロウ"})
    resident.post(reverse("submissions:correction_review", args=[token]))
    submission.refresh_from_db()

    report = _verify(services.receipt_pdf(submission))

    assert report.ok, report.failures
    assert "カガ\u3000ジロウ" in submission.document


def test_madoguchi_verify_receipt_checks_a_file_from_the_command_line(
    receipt: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(receipt)
    root = tmp_path / "seal-root.pem"
    root.write_bytes(seal.roots_pem())
    key = tmp_path / "ledger.pub"
    key.write_text(_ledger_key())
    (tmp_path / "altered.pdf").write_bytes(_flip(receipt, _page_content(receipt)))

    call_command("verify", "receipt", str(pdf), "--seal-root", str(root), "--ledger-key", str(key))
    with pytest.raises(SystemExit) as altered:
        call_command(
            "verify", "receipt", str(tmp_path / "altered.pdf"),
            "--seal-root", str(root), "--ledger-key", str(key),
        )  # fmt: skip

    out = capsys.readouterr().out
    assert "VALID: the receipt is as the city issued it." in out
    assert "The PDF was changed after the city signed it." in out
    assert altered.value.code == 1


# --- what the auditor sees: one clear reason, no tracebacks ----------------------------------


def _other_root_pem(tmp_path: Path) -> bytes:
    from django.test import override_settings

    with override_settings(MADOGUCHI_KEYS_DIR=tmp_path / "other-keys"):
        return seal.roots_pem()


ROOT_NOT_TRUSTED = (
    "The seal certificate ({sealed_by}) does not lead to the root certificate you gave "
    "with --seal-root: use the city's published seal root "
    "(download it from /receipts/trust/seal-root.pem)."
)


def test_an_untouched_receipt_checked_against_another_root_only_says_the_root_is_not_trusted(
    receipt: bytes, tmp_path: Path
) -> None:
    other_roots = x509.load_pem_x509_certificates(_other_root_pem(tmp_path))

    report = _verify(receipt, other_roots)

    assert report.failures == [ROOT_NOT_TRUSTED.format(sealed_by=report.sealed_by)]
    assert {c.name: c.ok for c in report.checks}["timestamp"] is None


def _failure_cases(receipt: bytes) -> dict[str, tuple[bytes, list[str]]]:
    """Every way the tests above damage a receipt, with the reasons the report must give."""
    _start, gap_start, gap_end, _length = _byte_range(receipt)
    evidence = receipt.index(b'"receipt_number":"') + len(b'"receipt_number":"') + 3
    writer = IncrementalPdfFileWriter(io.BytesIO(receipt))
    writer.root["/Lang"] = writer.root.get("/Lang", "en")
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    changed = "The PDF was changed after the city signed it."
    evidence_changed = (
        "The embedded evidence (madoguchi-evidence.json) was changed after the city signed it."
    )
    return {
        "page": (_flip(receipt, _page_content(receipt)), [changed]),
        "evidence": (_flip(receipt, evidence), [changed, evidence_changed]),
        "document": (
            _flip(receipt, receipt.index("加賀 太郎".encode())),
            [
                changed,
                evidence_changed,
                "The application data does not match its SHA-256 (changed).",
                "The ledger entry names a different application document.",
            ],
        ),
        "signature padding": (
            _flip(receipt, receipt.rindex(b"00", gap_start, gap_end) - 10),
            ["The seal's signature value was altered (bytes inside it changed)."],
        ),
        "signature hex": (
            _flip(receipt, gap_start + 200),
            ["The PDF's structure is damaged: it was changed after the city signed it."],
        ),
        "appended": (
            appended.getvalue(),
            ["Content was added to the PDF after the city signed it."],
        ),
        "not a pdf": (
            b"%PDF-1.7\nnot really",
            ["The file is not a readable PDF: it is damaged or not a receipt."],
        ),
    }


def test_the_command_line_gives_each_failure_one_clear_reason_and_no_traceback(
    receipt: bytes,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "root.pem").write_bytes(seal.roots_pem())
    (tmp_path / "other-root.pem").write_bytes(_other_root_pem(tmp_path))
    (tmp_path / "key.pub").write_text(_ledger_key())
    cases = _failure_cases(receipt)
    runs = [(name, data, "root.pem", reasons) for name, (data, reasons) in cases.items()]
    sealed_by = _verify(receipt).sealed_by
    runs.append(
        ("another root", receipt, "other-root.pem", [ROOT_NOT_TRUSTED.format(sealed_by=sealed_by)])
    )
    caplog.set_level("DEBUG")

    for name, data, root, reasons in runs:
        (tmp_path / "receipt.pdf").write_bytes(data)
        out = io.StringIO()

        code = verify_receipt_file(
            tmp_path / "receipt.pdf",
            seal_root_files=[tmp_path / root],
            ledger_key_file=tmp_path / "key.pub",
            jpki_root_files=[],
            out=out,
        )

        printed = capfd.readouterr()
        text = out.getvalue() + printed.out + printed.err
        failed = [line.split(None, 2)[2] for line in out.getvalue().splitlines() if "FAIL" in line]
        assert code == 1, name
        assert failed == reasons, name
        assert "Traceback" not in text and "Error" not in text, name
        assert not [r for r in caplog.records if r.exc_info], name


def test_madoguchi_verify_receipt_with_another_root_prints_no_traceback(
    receipt: bytes, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "receipt.pdf").write_bytes(receipt)
    (tmp_path / "other-root.pem").write_bytes(_other_root_pem(tmp_path))
    root = ["--seal-root", "other-root.pem"]

    run = subprocess.run(
        [sys.executable, "-m", "madoguchi.cli", "verify", "receipt", "receipt.pdf", *root],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "madoguchi.settings.dev"},
        timeout=120,
    )

    assert run.returncode == 1
    assert run.stderr == ""
    assert ROOT_NOT_TRUSTED.format(sealed_by=_verify(receipt).sealed_by) in run.stdout
    assert "altered" not in run.stdout


def test_the_signature_line_names_the_signer_and_the_certificate(
    request: pytest.FixtureRequest,
) -> None:
    from madoguchi.signatures.selectors import evidence_for, jpki_trust_roots

    application = request.getfixturevalue("signed")  # from test_signed_receipt
    evidence = evidence_for(application)
    assert evidence is not None
    certificate = x509.load_der_x509_certificate(bytes(evidence.certificate))

    report = verify_receipt(
        services.receipt_pdf(application),
        seal_roots=seal.seal_roots(),
        ledger_key_text=None,
        jpki_roots=jpki_trust_roots(),
    )

    [line] = [c.message for c in report.checks if c.name == "signature" and c.ok]
    common_name = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    assert f"signed by {common_name}" in line
    assert f"certificate serial {jpki.format_serial(certificate.serial_number)}" in line
    assert f"(SHA-256 {fingerprint})" in line
    assert f"issued by {certificate.issuer.rfc4514_string()}" in line
