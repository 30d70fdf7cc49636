"""Check a receipt offline: no database, no network, only the PDF and published keys.

What is checked, each as its own named result:

1. the city's seal (PAdES signature): intact, made by a certificate under a trusted root,
   covering every byte of the file, with a trusted RFC 3161 timestamp;
2. the embedded evidence ``madoguchi-evidence.json``: present, unchanged, canonical;
3. the application document: its SHA-256 is the one the receipt names;
4. the applicant's signature (when they signed): verified against the JPKI roots;
5. the audit ledger: the entry names this document, and its inclusion proof leads to
   a checkpoint signed with the ledger key.

Any changed byte breaks check 1; the other checks then say which part was changed.
Check 1 is :mod:`.verify_seal`; the report they all write is :mod:`.receipt_report`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import rfc8785
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from madoguchi.ledger import verify as ledger_verify
from madoguchi.signatures import verify as signatures_verify

from .constants import ATTACHMENT_NAME, FORMAT, described_sha256
from .receipt_report import (
    DOCUMENT,
    EVIDENCE,
    LEDGER,
    SEAL,
    SIGNATURE,
    Check,
    ReceiptReport,
)
from .verify_seal import check_seal, subject_name

__all__ = ["Check", "ReceiptReport", "verify_receipt", "verify_receipt_file"]

# Ledger events that record an application document: sent, or sent again after 差し戻し.
DOCUMENT_EVENTS = frozenset({"submission.submitted", "submission.status_changed"})


def _bundled_subject(bundle: Any) -> str:
    """The subject of the signing certificate a (verified) signature bundle carries."""
    try:
        der = base64.b64decode(str(bundle.get("certificate")), validate=True)
        return subject_name(asn1_x509.Certificate.load(der))
    except Exception:  # verified already; a name is only for display
        return "?"


# --- 2. the evidence ----------------------------------------------------------------------


def _embedded(reader: PdfFileReader) -> tuple[bytes, str] | None:
    """The evidence attachment's bytes and /Desc, or None when there is none."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return None
    for index in range(0, len(names) - 1, 2):
        if str(names[index]) != ATTACHMENT_NAME:
            continue
        spec = names[index + 1]
        return bytes(spec["/EF"]["/F"].data), str(spec.get("/Desc", ""))
    return None


def _read_evidence(report: ReceiptReport, reader: PdfFileReader) -> dict[str, Any] | None:
    try:
        found = _embedded(reader)
    except Exception:  # a damaged stream fails in many ways
        report.add(EVIDENCE, False, "The embedded evidence cannot be read: it is damaged.")
        return None
    if found is None:
        report.add(EVIDENCE, False, f"The receipt has no embedded {ATTACHMENT_NAME}.")
        return None
    data, description = found
    if described_sha256(description) != hashlib.sha256(data).hexdigest():
        report.add(
            EVIDENCE,
            False,
            f"The embedded evidence ({ATTACHMENT_NAME}) was changed after the city signed it.",
        )
    try:
        evidence = json.loads(data)
    except ValueError:
        report.add(EVIDENCE, False, f"The embedded {ATTACHMENT_NAME} is not valid JSON.")
        return None
    if not isinstance(evidence, dict) or evidence.get("format") != FORMAT:
        report.add(EVIDENCE, False, f"The embedded evidence is not in the {FORMAT} format.")
        return None
    if bytes(rfc8785.dumps(evidence)) != data:
        report.add(EVIDENCE, False, "The embedded evidence was edited (it is not canonical JSON).")
    elif not report.failed(EVIDENCE):
        report.add(EVIDENCE, True, f"{ATTACHMENT_NAME} is present and unchanged.")
    report.receipt_number = str(evidence.get("receipt_number", ""))
    municipality = evidence.get("municipality") or {}
    if isinstance(municipality, dict):
        report.municipality = f"{municipality.get('name', '')} ({municipality.get('lg_code', '')})"
    return evidence


# --- 3.–5. document, applicant's signature, ledger ---------------------------------------------


def _check_document(report: ReceiptReport, evidence: dict[str, Any]) -> str:
    """Returns the document's SHA-256 when it checks out ("" otherwise)."""
    document, digest = evidence.get("document"), evidence.get("document_sha256")
    if not document and _withheld(evidence) and isinstance(digest, str):
        # Encrypted end to end: the ledger still proves this hash was recorded at submission.
        report.add(
            DOCUMENT,
            None,
            f"The application data is encrypted and not in the receipt; its SHA-256 is {digest}"
            " (compare it with the data the department opened).",
        )
        return digest
    if not document or not isinstance(document, str):
        report.add(DOCUMENT, None, "The receipt carries no application document.")
        return ""
    actual = hashlib.sha256(document.encode()).hexdigest()
    if actual != digest:
        report.add(DOCUMENT, False, "The application data does not match its SHA-256 (changed).")
        return ""
    try:
        lg_code = json.loads(document).get("municipality")
    except (ValueError, AttributeError):
        lg_code = None
    municipality = evidence.get("municipality") or {}
    if isinstance(municipality, dict) and lg_code not in (None, municipality.get("lg_code")):
        report.add(DOCUMENT, False, "The application data belongs to another municipality.")
        return ""
    report.add(DOCUMENT, True, f"Application data SHA-256 {actual}.")
    return actual


def _withheld(evidence: dict[str, Any]) -> bool:
    """The receipt of an application encrypted end to end carries its hash, not its data."""
    digest = evidence.get("document_sha256")
    return (
        evidence.get("document_withheld") == "encrypted"
        and isinstance(digest, str)
        and re.fullmatch(r"[0-9a-f]{64}", digest) is not None
    )


def _check_applicant_signature(
    report: ReceiptReport, evidence: dict[str, Any], jpki_roots: Sequence[x509.Certificate]
) -> None:
    bundle = evidence.get("signature")
    if bundle is None:
        report.add(SIGNATURE, None, "The applicant did not sign (no signature to check).")
        return
    if _withheld(evidence):
        report.add(
            SIGNATURE,
            None,
            "The application data is encrypted: the signature is checked over the opened data.",
        )
        return
    if not jpki_roots:
        report.add(
            SIGNATURE, None, "No JPKI root given: the applicant's signature was not checked."
        )
        return
    document = str(evidence.get("document", "")).encode()
    try:
        verified = signatures_verify.verify_bundle(
            bundle, document=document, trust_roots=list(jpki_roots)
        )
    except signatures_verify.SignatureInvalid as error:
        report.add(SIGNATURE, False, f"The applicant's signature does not verify: {error}")
        return
    except Exception:  # a damaged bundle may fail anywhere
        report.add(SIGNATURE, False, "The applicant's signature evidence is damaged.")
        return
    report.add(
        SIGNATURE,
        True,
        "The applicant's My Number Card signature verifies: signed by "
        f"{_bundled_subject(bundle)} with certificate serial {verified.signer_serial} "
        f"(SHA-256 {verified.certificate_sha256}), issued by {verified.signer_issuer}.",
    )


def _check_ledger(
    report: ReceiptReport, evidence: dict[str, Any], document_sha256: str, key_text: str | None
) -> None:
    bundle = evidence.get("ledger")
    if not bundle:
        report.add(LEDGER, None, "The receipt carries no audit-ledger proof.")
        return
    entry = bundle.get("entry") if isinstance(bundle, dict) else None
    if not isinstance(entry, dict):
        report.add(LEDGER, False, "The ledger proof is damaged (no entry).")
        return
    named = (entry.get("detail") or {}).get("document")
    # The entry that recorded this document: the submission, or a resubmission after 差し戻し.
    if entry.get("event") not in DOCUMENT_EVENTS:
        report.add(LEDGER, False, "The ledger entry is not the submission's entry.")
        return
    if not named or named != document_sha256:
        report.add(LEDGER, False, "The ledger entry names a different application document.")
        return
    if key_text is None:
        report.add(LEDGER, None, "No ledger key given: the inclusion proof was not checked.")
        return
    try:
        ledger_verify.verify_inclusion_bundle(bundle, key_text)
    except ledger_verify.VerificationFailed as error:
        report.add(
            LEDGER,
            False,
            f"The ledger proof does not lead to the signed checkpoint: {error}",
        )
        return
    except Exception:  # a damaged bundle may fail anywhere
        report.add(LEDGER, False, "The ledger proof is damaged.")
        return
    report.add(
        LEDGER,
        True,
        f"Entry #{entry.get('index')} is in the audit ledger (signed checkpoint verified).",
    )


def verify_receipt(
    pdf: bytes,
    *,
    seal_roots: Sequence[x509.Certificate],
    ledger_key_text: str | None,
    jpki_roots: Sequence[x509.Certificate],
) -> ReceiptReport:
    """Check a receipt; every problem is a named entry in the report (never an exception)."""
    report = ReceiptReport()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.root  # noqa: B018  # parse the trailer and catalogue now
    except Exception:  # hostile input may fail anywhere in parsing
        report.add(SEAL, False, "The file is not a readable PDF: it is damaged or not a receipt.")
        return report
    with _checking(report, SEAL):
        check_seal(report, pdf, reader, seal_roots)
    evidence = None
    with _checking(report, EVIDENCE):
        evidence = _read_evidence(report, reader)
    if evidence is None:
        return report
    digest = ""
    with _checking(report, DOCUMENT):
        digest = _check_document(report, evidence)
    with _checking(report, SIGNATURE):
        _check_applicant_signature(report, evidence, jpki_roots)
    with _checking(report, LEDGER):
        _check_ledger(report, evidence, digest, ledger_key_text)
    return report


@contextmanager
def _checking(report: ReceiptReport, name: str) -> Iterator[None]:
    """The last line of "never an exception": whatever a damaged receipt makes a check
    trip over becomes that check's failure (each check catches what it expects)."""
    try:
        yield
    except Exception:
        report.add(name, False, f"The {name} part of the receipt is damaged and cannot be checked.")


@contextmanager
def _library_logs_muted() -> Iterator[None]:
    """Keep pyhanko's log records off the auditor's screen while a receipt is checked.

    pyhanko logs every certificate path it fails to build as a WARNING with a traceback
    (a receipt checked against the wrong root makes two). The report already names each
    failure in words; the tracebacks only bury it and look like a crash. Used by the
    command line only (one thread), since it sets the loggers for the whole process.
    """
    saved = []
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate, logger.handlers[:]))
        logger.propagate = False
        logger.handlers = [logging.NullHandler()]
    try:
        yield
    finally:
        for logger, propagate, handlers in saved:
            logger.propagate = propagate
            logger.handlers = handlers


# --- the command line ---------------------------------------------------------------------


def _certificates(paths: Sequence[str | Path]) -> list[x509.Certificate]:
    certificates: list[x509.Certificate] = []
    for path in paths:
        data = Path(path).read_bytes()
        if b"-----BEGIN" in data:
            certificates += x509.load_pem_x509_certificates(data)
        else:
            certificates.append(x509.load_der_x509_certificate(data))
    return certificates


_MARKS = {True: "OK  ", False: "FAIL", None: "--  "}


def print_report(report: ReceiptReport, *, name: str, out: TextIO) -> None:
    heading = f"Receipt {report.receipt_number or '?'}"
    if report.municipality:
        heading += f", {report.municipality}"
    out.write(f"{name}: {heading}\n")
    for check in report.checks:
        out.write(f"  {_MARKS[check.ok]}  {check.name:<9}  {check.message}\n")
    if report.ok:
        out.write("VALID: the receipt is as the city issued it.\n")
    else:
        count = len(report.failures)
        out.write(f"INVALID: {count} problem{'s' if count != 1 else ''} found.\n")


def verify_receipt_file(
    path: str | Path,
    *,
    seal_root_files: Sequence[str | Path],
    ledger_key_file: str | Path | None,
    jpki_root_files: Sequence[str | Path],
    out: TextIO | None = None,
) -> int:
    """``madoguchi verify receipt``: print the report; exit code 0 valid, 1 invalid, 2 usage."""
    stream = out or sys.stdout
    if not seal_root_files:
        stream.write(
            "Give the city's seal root certificate with --seal-root "
            "(download it from /receipts/trust/seal-root.pem).\n"
        )
        return 2
    try:
        pdf = Path(path).read_bytes()
        seal_roots = _certificates(seal_root_files)
        jpki_roots = _certificates(jpki_root_files)
        key_text = Path(ledger_key_file).read_text().strip() if ledger_key_file else None
    except (OSError, ValueError) as error:
        stream.write(f"Cannot read the input: {error}\n")
        return 2
    with _library_logs_muted():
        report = verify_receipt(
            pdf, seal_roots=seal_roots, ledger_key_text=key_text, jpki_roots=jpki_roots
        )
    print_report(report, name=str(path), out=stream)
    return 0 if report.ok else 1
