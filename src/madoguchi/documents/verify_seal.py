"""Check 1 of a receipt: the city's seal (PAdES signature) and its RFC 3161 timestamp.

Offline, like all of :mod:`.verify`: the seal must be intact, cover every byte of the
file, lead to a seal root the verifier was given, carry a trusted timestamp, and leave
nothing unpinned in the parts of its CMS that no signature covers.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from .constants import FIELD_NAME
from .receipt_report import DAMAGED_STRUCTURE, SEAL, TIMESTAMP, ReceiptReport

__all__ = ["check_seal", "subject_name"]


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def subject_name(certificate: asn1_x509.Certificate | None) -> str:
    if certificate is None:
        return "?"
    common_name = certificate.subject.native.get("common_name")
    return str(common_name or certificate.subject.human_friendly)


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


def check_seal(
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
    report.sealed_by = subject_name(status.signing_cert)
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
            f"Not checked: the timestamp authority ({subject_name(stamp.signing_cert)}) does not "
            "lead to the root you gave either (see the seal line).",
        )
    elif not stamp.trusted:
        report.add(
            TIMESTAMP,
            False,
            f"The timestamp authority ({subject_name(stamp.signing_cert)}) is not trusted.",
        )
    else:
        report.timestamp = stamp.timestamp.isoformat()
        report.add(
            TIMESTAMP,
            True,
            f"Timestamped {report.timestamp} by {subject_name(stamp.signing_cert)}.",
        )
