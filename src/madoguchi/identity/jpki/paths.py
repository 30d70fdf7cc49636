"""Certificate path validation for JPKI certificates (pyhanko-certvalidator).

Trust comes only from the roots the caller passes: a certificate is never accepted
because its names look like J-LIS's. Revocation is checked against the CRLs the caller
supplies; nothing is fetched from the network. A certificate that does not validate is
refused with a :class:`~madoguchi.identity.jpki.certificates.CertificateRejected` whose
``code`` says why (expired, revoked, untrusted …).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    PKIXValidationParams,
)
from pyhanko_certvalidator.validate import validate_usage

from .certificates import (
    POLICIES,
    CertificateKind,
    RejectionCode,
    certificate_kind,
    rejected,
    serial_of,
    wrong_kind_message,
)

_KEY_USAGE: dict[CertificateKind, set[str]] = {
    "signing": {"digital_signature", "non_repudiation"},
    "authentication": {"digital_signature"},
}


@dataclass(frozen=True)
class ValidatedCertificate:
    """A certificate that chained to a trusted root, unrevoked, at ``validated_at``."""

    serial: str
    issuer: str
    subject: str
    kind: CertificateKind
    not_after: datetime
    validated_at: datetime


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _code_for(error: ValidationError) -> RejectionCode:
    # Order matters: the first four are all PathValidationError subclasses.
    if isinstance(error, RevokedError):
        return "revoked"
    if isinstance(error, ExpiredError):
        return "expired"
    if isinstance(error, NotYetValidError):
        return "not_yet_valid"
    if isinstance(error, InsufficientRevinfoError):
        return "revocation_unknown"
    if isinstance(error, InvalidCertificateError):
        return "wrong_key_usage"
    return "untrusted"


async def avalidate_certificate(
    cert: x509.Certificate,
    *,
    kind: CertificateKind,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Iterable[x509.Certificate],
    crls: Iterable[x509.CertificateRevocationList],
    at: datetime,
    accept_later_crls: bool = False,
) -> ValidatedCertificate:
    """Async form of :func:`validate_certificate`, for callers already in an event loop."""
    if not trust_roots:
        # pyhanko-certvalidator would fall back to the operating system's TLS roots.
        raise ValueError("validate_certificate() needs at least one trust root")
    if at.utcoffset() is None:
        raise ValueError("validate_certificate() needs an aware datetime for `at`")
    serial = serial_of(cert)
    presented = certificate_kind(cert)
    if presented != kind:
        raise rejected("wrong_kind", serial, wrong_kind_message(kind))

    try:
        context = ValidationContext(
            trust_roots=[_asn1(root) for root in trust_roots],
            other_certs=[_asn1(other) for other in intermediates],
            crls=[crl.public_bytes(Encoding.DER) for crl in crls],
            moment=at,
            allow_fetching=False,
            # Stricter than "hard-fail", which skips certificates that name no CRL: here every
            # certificate below the root needs a CRL (or OCSP response) that covers it.
            revinfo_policy=CertRevTrustPolicy(
                REQUIRE_REVINFO, retroactive_revinfo=accept_later_crls
            ),
        )
        end_entity = _asn1(cert)
        validator = CertificateValidator(
            end_entity,
            validation_context=context,
            pkix_params=PKIXValidationParams(
                user_initial_policy_set=frozenset(
                    policy.dotted_string for policy in POLICIES[kind]
                ),
                initial_explicit_policy=True,
            ),
        )
        await validator.async_validate_path()
        validate_usage(end_entity, _KEY_USAGE[kind], set(), extended_optional=True)
    except PathBuildingError as exc:
        raise rejected("untrusted", serial) from exc
    except ValidationError as exc:
        raise rejected(_code_for(exc), serial) from exc
    except (ValueError, TypeError) as exc:  # asn1crypto meeting bytes it cannot decode
        raise rejected("malformed", serial) from exc

    return ValidatedCertificate(
        serial=serial,
        issuer=cert.issuer.rfc4514_string(),
        subject=cert.subject.rfc4514_string(),
        kind=kind,
        not_after=cert.not_valid_after_utc,
        validated_at=at,
    )


def validate_certificate(
    cert: x509.Certificate,
    *,
    kind: CertificateKind,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Iterable[x509.Certificate],
    crls: Iterable[x509.CertificateRevocationList],
    at: datetime,
    accept_later_crls: bool = False,
) -> ValidatedCertificate:
    """Check that ``cert`` is a valid, unrevoked JPKI certificate of ``kind`` at ``at``.

    The path must end at one of ``trust_roots`` (J-LIS's published CA certificates in
    production; devidp's test root in development), every certificate in it must be
    covered by one of ``crls``, and the certificate's policy and key usage must fit
    ``kind``. Raises :class:`CertificateRejected` otherwise.

    A CRL only speaks for the time between its thisUpdate and nextUpdate, so by default
    ``at`` must fall in that window: take ``at`` after fetching the CRLs. To check a past
    moment (re-verifying a signature at the time it was made) with CRLs published since,
    pass ``accept_later_crls=True``: a certificate then counts as revoked only if its
    revocation date is before ``at``.
    """
    return _run(
        avalidate_certificate(
            cert,
            kind=kind,
            trust_roots=trust_roots,
            intermediates=intermediates,
            crls=crls,
            at=at,
            accept_later_crls=accept_later_crls,
        )
    )


_T = TypeVar("_T")


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop: the normal case, and asyncio.run() below is allowed
    else:
        coroutine.close()
        raise RuntimeError("validate_certificate() called inside an event loop: await avalidate_*")
    return asyncio.run(coroutine)
