"""Check a signature bundle offline: no database, no network, only the caller's trust roots.

An auditor with a receipt (or an export) and J-LIS's published CA certificates can run
:func:`verify_bundle` and learn, without trusting this server, that

1. the document they hold is the one named in the bundle (SHA-256),
2. the CMS signature over it verifies with the signing certificate's key, and
3. that certificate chained to one of *their* roots, with the right policy and key
   usage, and was not revoked according to the CRLs embedded in the bundle, at the
   moment the server checked it (which must be within minutes of the moment written
   into the signed document).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding

from madoguchi.core.refusals import Refused
from madoguchi.identity import jpki

__all__ = ["SignatureInvalid", "SignatureReport", "verify_bundle"]

BUNDLE_FORMAT = "madoguchi-signature/1"
# The server checks the certificate when the resident comes back from the app; signing
# cannot take longer than a pending login lives (15 minutes).
MAX_SIGNING_SECONDS = 20 * 60
# JPKI signatures: RSA PKCS#1 v1.5 over a SHA-256 digest. Immutable, so made once (a
# twentieth of a verification's time went into building them on every call).
RSA_PADDING = padding.PKCS1v15()
PREHASHED_SHA256 = Prehashed(hashes.SHA256())


class SignatureInvalid(Refused):
    """The bundle does not prove a valid signature over the document; ``message`` says why."""

    code = "signature_invalid"
    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class SignatureReport:
    """A valid signature: whose certificate, from which CA, over which document, when."""

    document_sha256: str
    certificate_sha256: str
    signer_serial: str
    signer_issuer: str
    signed_at: datetime
    checked_at: datetime
    # The certification path as the server recorded it (subjects, end entity first).
    path: tuple[str, ...]


# What cryptography raises for DER it cannot use (some fields are parsed on first access).
_UNREADABLE = (ValueError, x509.InvalidVersion, UnsupportedAlgorithm)


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignatureInvalid(f"{what} is not base64") from error


def _moment(value: Any, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as error:
        raise SignatureInvalid(f"{what} is not a timestamp") from error
    if moment.utcoffset() is None:
        raise SignatureInvalid(f"{what} has no time zone")
    return moment


def _signed_data(der: bytes) -> cms.SignedData:
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise SignatureInvalid("the CMS container is not SignedData")
        signed_data = info["content"]
        # Parse every element now, so that malformed input fails here and not halfway
        # through the checks. (``.native`` would do it too, but also builds Python objects
        # of every certificate and CRL entry: a quarter of the verification's CPU.)
        signed_data._parse_children(recurse=True)
    except SignatureInvalid:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureInvalid("the CMS container cannot be read") from error
    if not isinstance(signed_data, cms.SignedData):
        raise SignatureInvalid("the CMS container is not SignedData")
    return signed_data


def _certificates(signed_data: cms.SignedData) -> list[x509.Certificate]:
    found = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            found.append(x509.load_der_x509_certificate(choice.chosen.dump()))
    return found


def _crls(signed_data: cms.SignedData) -> list[bytes]:
    return [choice.chosen.dump() for choice in signed_data["crls"] or [] if choice.name == "crl"]


def _the_signer(signed_data: cms.SignedData) -> cms.SignerInfo:
    """The one signer of a detached RSA PKCS#1 v1.5 SHA-256 signature, as JPKI cards make."""
    if signed_data["encap_content_info"]["content"].native is not None:
        raise SignatureInvalid("the CMS signature is not detached")
    signers = list(signed_data["signer_infos"])
    if len(signers) != 1:
        raise SignatureInvalid("the CMS container must hold exactly one signature")
    signer = signers[0]
    if signer["digest_algorithm"]["algorithm"].native != "sha256":
        raise SignatureInvalid("the signature does not use SHA-256")
    if signer["signature_algorithm"].signature_algo != "rsassa_pkcs1v15":
        raise SignatureInvalid("the signature is not RSA PKCS#1 v1.5")
    if signer["signed_attrs"].native is not None:
        raise SignatureInvalid("signed attributes are not expected in this format")
    if signer["sid"].name != "issuer_and_serial_number":
        raise SignatureInvalid("the signer is not identified by issuer and serial number")
    return signer


def verify_bundle(
    bundle: Mapping[str, Any], *, document: bytes, trust_roots: Sequence[x509.Certificate]
) -> SignatureReport:
    """Verify ``bundle`` (``SignatureEvidence.bundle()``) over ``document``; raise on failure."""
    if bundle.get("format") != BUNDLE_FORMAT:
        raise SignatureInvalid("not a madoguchi signature bundle")
    digest = hashlib.sha256(document).hexdigest()
    if digest != bundle.get("document_sha256"):
        raise SignatureInvalid("the document is not the one that was signed (SHA-256 differs)")

    signed_data = _signed_data(_b64(bundle.get("cms"), "cms"))
    try:
        signer = _the_signer(signed_data)
    except (ValueError, TypeError, KeyError) as error:  # e.g. an OID asn1crypto does not know
        raise SignatureInvalid("the CMS container cannot be read") from error
    sid = signer["sid"]

    try:
        certificates = _certificates(signed_data)
        bundled = x509.load_der_x509_certificate(_b64(bundle.get("certificate"), "certificate"))
        serial = sid.chosen["serial_number"].native
        issuer_der = sid.chosen["issuer"].dump()
        # cryptography parses a certificate's fields when they are first read, so a damaged
        # issuer or key only fails here, inside the try.
        matching = [
            c
            for c in certificates
            if c.serial_number == serial and c.issuer.public_bytes() == issuer_der
        ]
        if len(matching) != 1 or matching[0] != bundled:
            raise SignatureInvalid("the signing certificate is not the one the signature names")
        certificate = matching[0]
        public_key = certificate.public_key()
    except _UNREADABLE as error:
        raise SignatureInvalid("a certificate in the bundle cannot be read") from error
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SignatureInvalid("the signing certificate does not hold an RSA key")
    try:
        # The document's SHA-256 was computed above: verify against it, not hash it again.
        public_key.verify(
            signer["signature"].native, bytes.fromhex(digest), RSA_PADDING, PREHASHED_SHA256
        )
    except InvalidSignature as error:
        raise SignatureInvalid("the signature does not match the document") from error

    validation = bundle.get("validation") or {}
    checked_at = _moment(validation.get("checked_at"), "validation.checked_at")
    try:
        signed_at = _moment(json.loads(document)["created_at"], "the document's created_at")
    except (ValueError, KeyError, TypeError) as error:
        raise SignatureInvalid("the document has no created_at") from error
    if (
        not signed_at - timedelta(minutes=1)
        <= checked_at
        <= signed_at + timedelta(seconds=MAX_SIGNING_SECONDS)
    ):
        raise SignatureInvalid("the certificate was not checked when the document was signed")

    crl_ders = _crls(signed_data) + [_b64(c, "crl") for c in bundle.get("crls") or []]
    try:
        crls = [x509.load_der_x509_crl(der) for der in dict.fromkeys(crl_ders)]
    except _UNREADABLE as error:
        raise SignatureInvalid("a CRL in the bundle cannot be read") from error
    others = [c for c in certificates if c != certificate]
    try:
        validated = jpki.validate_certificate(
            certificate,
            kind="signing",
            trust_roots=trust_roots,
            intermediates=others,
            crls=crls,
            at=checked_at,
            # CRLs published after the check may be added later; a certificate counts as
            # revoked only if its revocation date is before the moment of signing.
            accept_later_crls=True,
        )
    except jpki.CertificateRejected as rejected:
        raise SignatureInvalid(f"the signing certificate is not valid: {rejected.code}") from (
            rejected
        )
    return SignatureReport(
        document_sha256=digest,
        certificate_sha256=hashlib.sha256(bundled.public_bytes(Encoding.DER)).hexdigest(),
        signer_serial=validated.serial,
        signer_issuer=validated.issuer,
        signed_at=signed_at,
        checked_at=checked_at,
        path=tuple(str(p) for p in validation.get("path", [])),
    )
