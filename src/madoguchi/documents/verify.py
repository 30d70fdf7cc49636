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
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import rfc8785
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import validation
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from madoguchi.ledger import verify as ledger_verify
from madoguchi.signatures import verify as signatures_verify

from .constants import ATTACHMENT_NAME, FIELD_NAME, FORMAT, described_sha256

__all__ = ["Check", "ReceiptReport", "verify_receipt", "verify_receipt_file"]

# Names of the checks, in the order they are reported.
# Ledger events that record an application document: sent, or sent again after 差し戻し.
DOCUMENT_EVENTS = frozenset({"submission.submitted", "submission.status_changed"})

DAMAGED_STRUCTURE = "The PDF's structure is damaged: it was changed after the city signed it."

SEAL, TIMESTAMP, EVIDENCE, DOCUMENT, SIGNATURE, LEDGER = (
    "seal",
    "timestamp",
    "evidence",
    "document",
    "signature",
    "ledger",
)


@dataclass(frozen=True)
class Check:
    """One result. ``ok`` is None when the check could not be made (and says why)."""

    name: str
    ok: bool | None
    message: str


@dataclass
class ReceiptReport:
    checks: list[Check] = field(default_factory=list)
    receipt_number: str = ""
    municipality: str = ""
    sealed_by: str = ""
    timestamp: str = ""

    @property
    def ok(self) -> bool:
        """Valid: the seal verified and nothing failed."""
        seal_ok = any(c.name == SEAL and c.ok for c in self.checks)
        return seal_ok and not self.failures

    @property
    def failures(self) -> list[str]:
        return [c.message for c in self.checks if c.ok is False]

    def failed(self, name: str) -> bool:
        return any(c.name == name and c.ok is False for c in self.checks)

    def add(self, name: str, ok: bool | None, message: str) -> None:
        self.checks.append(Check(name, ok, message))


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _bundled_subject(bundle: Any) -> str:
    """The subject of the signing certificate a (verified) signature bundle carries."""
    try:
        der = base64.b64decode(str(bundle.get("certificate")), validate=True)
        return _subject(asn1_x509.Certificate.load(der))
    except Exception:  # verified already; a name is only for display
        return "?"


def _subject(certificate: asn1_x509.Certificate | None) -> str:
    if certificate is None:
        return "?"
    common_name = certificate.subject.native.get("common_name")
    return str(common_name or certificate.subject.human_friendly)


# --- 1. the seal ------------------------------------------------------------------------


def _seal_signature(reader: PdfFileReader) -> EmbeddedPdfSignature | None:
    for signature in reader.embedded_regular_signatures:
        if signature.field_name == FIELD_NAME:
            return signature
    return None


def _contents_are_canonical(pdf: bytes, signature: EmbeddedPdfSignature) -> bool:
    """Are the bytes between the signed ranges exactly what the signer wrote?

    The /Contents hex string is the one part of the file the signature cannot cover.
    A PDF reader decodes hex in either case and ignores the zero padding after the
    CMS structure, so a changed byte there would go unnoticed: insist on the exact form
    pyhanko writes (upper-case hex of the DER, then zeros).
    """
    byte_range = [int(v) for v in signature.sig_object["/ByteRange"]]
    if len(byte_range) != 4 or byte_range[0] != 0:
        return False
    gap = pdf[byte_range[0] + byte_range[1] : byte_range[2]]
    raw = signature.sig_object.raw_get("/Contents").original_bytes
    der_length = len(cms.ContentInfo.load(raw, strict=False).dump())
    padding = raw[der_length:]
    return gap == b"<" + raw.hex().upper().encode() + b">" and not padding.strip(b"\x00")


def _check_seal(
    report: ReceiptReport,
    pdf: bytes,
    reader: PdfFileReader,
    seal_roots: Sequence[x509.Certificate],
) -> None:
    try:
        signature = _seal_signature(reader)
    except Exception:  # hostile input may fail anywhere in parsing
        report.add(SEAL, False, DAMAGED_STRUCTURE)
        return
    if signature is None:
        report.add(SEAL, False, "The receipt carries no city seal (no signature field).")
        return
    try:
        canonical = _contents_are_canonical(pdf, signature)
    except Exception:  # a damaged signature value fails in many ways
        canonical = False
    if not canonical:
        report.add(SEAL, False, "The seal's signature value was altered (bytes inside it changed).")
    context = ValidationContext(
        trust_roots=[_asn1(c) for c in seal_roots],
        allow_fetching=False,
        # Offline: revocation cannot be looked up (the OK line says so).
        revocation_mode="soft-fail",
    )
    try:
        status = validation.validate_pdf_signature(signature, context)
    except Exception:  # hostile input may fail anywhere in parsing
        report.add(SEAL, False, "The seal cannot be read: the signature is damaged.")
        return
    report.sealed_by = _subject(status.signing_cert)
    try:
        # Which certificates belong in the CMS is known only from a validated path: under
        # a root that is not trusted there is none, and the trust failure says why.
        pinned = not status.trusted or _cms_is_pinned(
            signature.pkcs7_content, signature.signed_data, status
        )
    except Exception:  # lazily parsed parts of a damaged CMS fail late
        pinned = False
    _report_seal_status(report, status, pinned=pinned)


def _only_path_certificates(signed_data: cms.SignedData, path: ValidationPath | None) -> bool:
    if path is None:
        return False
    used = {c.dump() for c in path.iter_certs(include_root=True)}
    return all(
        choice.name == "certificate" and choice.chosen.dump() in used
        for choice in signed_data["certificates"]
    )


def _plain_signed_data(signed_data: cms.SignedData, content_type: str) -> bool:
    """One signer, one digest algorithm (the signer's), the expected content type, and the
    version numbers RFC 5652 § 5.1 and § 5.3 prescribe for that shape."""
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1 or signed_data["crls"].native:
        return False
    signer = signer_infos[0]
    by_key_id = signer["sid"].name == "subject_key_identifier"
    algorithms = signed_data["digest_algorithms"]
    return (
        len(algorithms) == 1
        and algorithms[0].dump() == signer["digest_algorithm"].dump()
        and signed_data["encap_content_info"]["content_type"].native == content_type
        and signer["version"].native == ("v3" if by_key_id else "v1")
        and signed_data["version"].native == ("v3" if by_key_id or content_type != "data" else "v1")
    )


def _is_der(structure: cms.ContentInfo) -> bool:
    """Does the structure re-encode to its own bytes (no slack in lengths or tags)?"""
    encoded = structure.dump()
    return bool(cms.ContentInfo.load(encoded).dump(force=True) == encoded)


def _cms_is_pinned(raw: bytes, signed_data: cms.SignedData, status: PdfSignatureStatus) -> bool:
    """Does every part of the seal's CMS that no signature covers hold what the signer wrote?

    A CMS signature leaves some of its own structure unsigned: the certificate sets, the
    digest-algorithm list, the unsigned attributes. Nothing the receipt says depends on
    them, but "any changed byte is detected" should hold for them too: strict DER, only
    certificates on the validated paths, one signer, one algorithm, the prescribed
    versions, and one unsigned attribute (the timestamp token, held to the same rules).
    """
    stamp = status.timestamp_validity
    if stamp is None or not _is_der(cms.ContentInfo.load(raw, strict=False)):
        return False
    if not _plain_signed_data(signed_data, "data"):
        return False
    if signed_data["encap_content_info"]["content"].native is not None:
        return False
    if not _only_path_certificates(signed_data, status.validation_path):
        return False
    unsigned = signed_data["signer_infos"][0]["unsigned_attrs"]
    if len(unsigned) != 1 or unsigned[0]["type"].native != "signature_time_stamp_token":
        return False
    tokens = unsigned[0]["values"]
    if len(tokens) != 1:
        return False
    token = tokens[0]["content"]
    return (
        _plain_signed_data(token, "tst_info")
        and _only_path_certificates(token, stamp.validation_path)
        and not token["signer_infos"][0]["unsigned_attrs"].native
    )


def _report_seal_status(report: ReceiptReport, status: PdfSignatureStatus, *, pinned: bool) -> None:
    problems = []
    if not status.intact:
        problems.append("The PDF was changed after the city signed it.")
    elif not status.valid:
        problems.append("The city's seal signature is not valid.")
    # A broken signature is never "trusted"; say so only when the signature itself holds.
    untrusted = status.intact and status.valid and not status.trusted
    no_path = untrusted and status.validation_path is None
    if no_path:
        problems.append(
            f"The seal certificate ({report.sealed_by}) does not lead to the root certificate "
            "you gave with --seal-root: use the city's published seal root "
            "(download it from /receipts/trust/seal-root.pem)."
        )
    elif untrusted:
        reason = getattr(status.trust_problem_indic, "name", None) or "untrusted"
        problems.append(
            f"The seal certificate ({report.sealed_by}) leads to the root you gave but may "
            f"not seal documents (expired, revoked or wrong key usage: {reason})."
        )
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("Content was added to the PDF after the city signed it.")
    if status.docmdp_ok is False:
        problems.append("The PDF was modified in a way the city's seal does not permit.")
    stamp = status.timestamp_validity
    stamped = stamp is not None and stamp.intact and stamp.valid
    if status.intact and status.valid and stamped and not pinned:
        problems.append("The seal's signature value was altered (its unsigned parts changed).")
    for problem in problems:
        report.add(SEAL, False, problem)
    if not problems and not report.failed(SEAL):
        report.add(
            SEAL,
            True,
            f"Sealed by {report.sealed_by}; every byte is covered "
            "(revocation cannot be checked offline).",
        )
    if stamp is None:
        report.add(TIMESTAMP, False, "The seal has no RFC 3161 timestamp.")
    elif not (stamp.intact and stamp.valid):
        report.add(TIMESTAMP, False, "The seal's timestamp is damaged.")
    elif not stamp.trusted and no_path and stamp.validation_path is None:
        # The same cause as the seal's: the roots given are not the city's. One reason.
        report.add(
            TIMESTAMP,
            None,
            f"Not checked: the timestamp authority ({_subject(stamp.signing_cert)}) does not "
            "lead to the root you gave either (see the seal line).",
        )
    elif not stamp.trusted:
        report.add(
            TIMESTAMP,
            False,
            f"The timestamp authority ({_subject(stamp.signing_cert)}) is not trusted.",
        )
    else:
        report.timestamp = stamp.timestamp.isoformat()
        report.add(
            TIMESTAMP,
            True,
            f"Timestamped {report.timestamp} by {_subject(stamp.signing_cert)}.",
        )


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


def _check_applicant_signature(
    report: ReceiptReport, evidence: dict[str, Any], jpki_roots: Sequence[x509.Certificate]
) -> None:
    bundle = evidence.get("signature")
    if bundle is None:
        report.add(SIGNATURE, None, "The applicant did not sign (no signature to check).")
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
        _check_seal(report, pdf, reader, seal_roots)
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
