"""Read and validate the certificates on a My Number Card (公的個人認証サービス, JPKI).

A card holds two certificates. The signature certificate (署名用電子証明書) is the
electronic 実印: it carries the basic four items (基本4情報: 氏名, 生年月日, 性別, 住所)
and is revoked whenever one of them changes. The user authentication certificate
(利用者証明用電子証明書) only says "this is the same card as last time": it carries no
personal data and survives a move or a marriage.

The basic four items sit in subjectAltName ``otherName`` entries under the J-LIS arc
``1.2.392.200149.8.5.5``, each value a UTF8String. Characters outside JIS X 0208 and
JIS X 0212 (髙, 﨑, 𠮷 …) are not in the certificate: J-LIS records a substitute
character (代替文字) instead and a position string ("0010…", one digit per
character) saying which characters are substitutes. Prefill must show the resident
that such a character is a stand-in, not silently "correct" their name.

Trust comes only from the roots the caller passes: a certificate is never accepted
because its names look like J-LIS's. Revocation is checked against the CRLs the
caller supplies; nothing is fetched from the network. Every rejection is a
:class:`CertificateRejected` with a stable ``code`` and a message that tells the
resident what to do, and is logged with the code and the certificate serial only.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils.translation import gettext_lazy as _
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

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "OID_ADDRESS",
    "OID_ADDRESS_SUBSTITUTES",
    "OID_BIRTH_DATE",
    "OID_NAME",
    "OID_NAME_SUBSTITUTES",
    "OID_SEX",
    "POLICY_AUTHENTICATION",
    "POLICY_SIGNING",
    "POLICY_SIGNING_TEST",
    "BasicFourItems",
    "CertificateKind",
    "CertificateRejected",
    "RejectionCode",
    "Sex",
    "ValidatedCertificate",
    "avalidate_certificate",
    "certificate_kind",
    "load_certificate",
    "parse_basic_four_items",
    "validate_certificate",
]

logger = logging.getLogger("madoguchi.identity")

CertificateKind = Literal["signing", "authentication"]
Sex = Literal["male", "female", "other"]
RejectionCode = Literal[
    "expired",
    "not_yet_valid",
    "revoked",
    "untrusted",
    "wrong_key_usage",
    "wrong_kind",
    "malformed",
    "revocation_unknown",
]

# subjectAltName otherName types of the signature certificate (J-LIS profile specification;
# named "jpki-pd-*" in kjur/jsrsasign-oid-jpki). Every value is a UTF8String: 生年月日 is
# "EYYYYMMDD" (E: era code), 性別 "1"/"2"/"3", the *_SUBSTITUTES values "0"/"1" strings.
OID_NAME = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")
OID_NAME_SUBSTITUTES = x509.ObjectIdentifier("1.2.392.200149.8.5.5.2")
OID_SEX = x509.ObjectIdentifier("1.2.392.200149.8.5.5.3")
OID_BIRTH_DATE = x509.ObjectIdentifier("1.2.392.200149.8.5.5.4")
OID_ADDRESS = x509.ObjectIdentifier("1.2.392.200149.8.5.5.5")
OID_ADDRESS_SUBSTITUTES = x509.ObjectIdentifier("1.2.392.200149.8.5.5.6")
_PERSONAL_DATA_OIDS = frozenset(
    {OID_NAME, OID_NAME_SUBSTITUTES, OID_SEX, OID_BIRTH_DATE, OID_ADDRESS, OID_ADDRESS_SUBSTITUTES}
)

# Certificate policies: 1.2.392.200149.8.5.1.1.x is the signature service, .1.3.x user
# authentication. 1.2.392.200149.8.5.1.0.20 is the signing policy of J-LIS's test cards.
POLICY_SIGNING = x509.ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
POLICY_SIGNING_TEST = x509.ObjectIdentifier("1.2.392.200149.8.5.1.0.20")
POLICY_AUTHENTICATION = x509.ObjectIdentifier("1.2.392.200149.8.5.1.3.30")
_POLICIES: dict[CertificateKind, frozenset[x509.ObjectIdentifier]] = {
    "signing": frozenset({POLICY_SIGNING, POLICY_SIGNING_TEST}),
    "authentication": frozenset({POLICY_AUTHENTICATION}),
}
_KEY_USAGE: dict[CertificateKind, set[str]] = {
    "signing": {"digital_signature", "non_repudiation"},
    "authentication": {"digital_signature"},
}

_SEX_CODES: dict[str, Sex | None] = {"1": "male", "2": "female", "3": None}  # 3: 不明 (unknown)
_BIRTH_DATE = re.compile(r"[0-5](?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})", re.ASCII)
_POSITIONS = re.compile(r"[01]*", re.ASCII)

_MESSAGES: dict[RejectionCode, StrOrPromise] = {
    "expired": _(
        "This My Number Card certificate has expired. "
        "Please renew it at your city office, then try again."
    ),
    "not_yet_valid": _(
        "This My Number Card certificate is not valid yet. "
        "Please try again later; if this keeps happening, ask at your city office."
    ),
    "revoked": _(
        "This My Number Card certificate has been revoked. "
        "Please check the card's status at your city office."
    ),
    "untrusted": _(
        "This certificate was not issued for a My Number Card. "
        "Please use the certificate on your own My Number Card."
    ),
    "wrong_key_usage": _(
        "This certificate cannot be used for this step. "
        "Please use the certificate on your own My Number Card."
    ),
    "wrong_kind": _(
        "This step needs a different certificate from your My Number Card. "
        "Please start again and follow the instructions in the app."
    ),
    "malformed": _(
        "The certificate on the card could not be read. "
        "Please read the card again; if this keeps happening, ask at your city office."
    ),
    "revocation_unknown": _(
        "We could not check the status of your My Number Card certificate just now. "
        "Please try again in a few minutes."
    ),
}
_WRONG_KIND: dict[CertificateKind, StrOrPromise] = {
    "signing": _(
        "This step needs the signature certificate on your My Number Card, the one "
        "protected by the 6 to 16 character password. Please try again with that certificate."
    ),
    "authentication": _(
        "This step needs the user authentication certificate on your My Number Card, the "
        "one protected by the 4-digit PIN. Please try again with that certificate."
    ),
}


class CertificateRejected(Exception):
    """A certificate that may not be used, with a code to branch on and a message to show.

    ``code`` is one of :data:`RejectionCode`. ``message`` is a lazy translation, rendered
    in the language active when it is shown. ``serial`` (:func:`format_serial`) identifies
    the certificate in logs and support requests without revealing whose it is.
    """

    code: RejectionCode
    message: StrOrPromise
    serial: str | None

    def __init__(
        self, code: RejectionCode, message: StrOrPromise, *, serial: str | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.serial = serial
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, serial={self.serial!r})"

    def __reduce__(self) -> tuple[partial[CertificateRejected], tuple[()]]:
        return (partial(type(self), self.code, self.message, serial=self.serial), ())


@dataclass(frozen=True)
class BasicFourItems:
    """The basic four items exactly as the signature certificate records them.

    ``name`` has a full-width space between family and given name; ``address`` starts
    with the prefecture and has no postal code. ``name_alt`` and ``address_alt`` are
    J-LIS's substitute-character positions: one ``"0"``/``"1"`` per character of
    ``name``/``address``, ``"1"`` where the card shows a substitute (代替文字) for a
    character it cannot encode. ``sex`` is ``None`` when the record says unknown (不明);
    JPKI has no code for ``"other"``, which exists for other identity sources.
    """

    name: str
    name_alt: str
    birth_date: date
    sex: Sex | None
    address: str
    address_alt: str

    @property
    def name_substituted_at(self) -> tuple[int, ...]:
        """Indexes into ``name`` of characters that stand in for one the card cannot hold."""
        return _flagged(self.name, self.name_alt)

    @property
    def address_substituted_at(self) -> tuple[int, ...]:
        """Indexes into ``address`` of substitute characters."""
        return _flagged(self.address, self.address_alt)

    @property
    def has_substitute_characters(self) -> bool:
        return bool(self.name_substituted_at or self.address_substituted_at)


@dataclass(frozen=True)
class ValidatedCertificate:
    """A certificate that chained to a trusted root, unrevoked, at ``validated_at``."""

    serial: str
    issuer: str
    subject: str
    kind: CertificateKind
    not_after: datetime
    validated_at: datetime


def _flagged(text: str, positions: str) -> tuple[int, ...]:
    # Positions past the end of the text are ignored: public material does not say whether
    # J-LIS ever pads the position string, and a padded "0" means nothing anyway.
    return tuple(i for i, flag in enumerate(positions[: len(text)]) if flag == "1")


def format_serial(serial_number: int) -> str:
    """A certificate serial as logs, evidence, receipts and pages show it: ``0A:3F:…``.

    The one format for serials everywhere: the fewest whole bytes (a serial that starts
    with a zero byte is not padded to 20 bytes), upper-case hex, colon-separated. Byte
    pairs also keep a long run of digits from looking like a phone number to
    madoguchi.core.logging's redaction filter.
    """
    if serial_number < 0:
        raise ValueError("a certificate serial is a positive integer")
    length = max(1, (serial_number.bit_length() + 7) // 8)
    return serial_number.to_bytes(length, "big").hex(":").upper()


def _serial(cert: x509.Certificate) -> str:
    return format_serial(cert.serial_number)


def _rejected(
    code: RejectionCode, serial: str | None, message: StrOrPromise | None = None
) -> CertificateRejected:
    # The serial is already in byte pairs (format_serial), safe from the log redaction.
    logger.warning("JPKI certificate rejected: reason=%s serial=%s", code, serial or "-")
    return CertificateRejected(code, message or _MESSAGES[code], serial=serial)


def load_certificate(data: bytes) -> x509.Certificate:
    """Parse a PEM or DER certificate, as read from a card or posted by the app."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise _rejected("malformed", None) from exc


def _decode_utf8string(der: bytes) -> str:
    """Decode one DER UTF8String (tag 12), refusing any other type or trailing bytes."""
    if len(der) < 2 or der[0] != 0x0C:
        raise ValueError("not a UTF8String")
    length, offset = der[1], 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or len(der) < 2 + size or der[2] == 0:
            raise ValueError("bad DER length")
        length, offset = int.from_bytes(der[2 : 2 + size], "big"), 2 + size
        if length < 0x80:
            raise ValueError("non-minimal DER length")
    if len(der) != offset + length:
        raise ValueError("length does not match content")
    return der[offset:].decode("utf-8")


def _policies(cert: x509.Certificate) -> set[x509.ObjectIdentifier]:
    try:
        extension = cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    except x509.ExtensionNotFound:
        return set()
    return {info.policy_identifier for info in extension.value}


def _key_usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def certificate_kind(cert: x509.Certificate) -> CertificateKind:
    """Tell the signature certificate from the user authentication certificate.

    The certificate policy decides; a certificate without a JPKI policy is judged by its
    key usage (nonRepudiation only on the signature certificate). Saying which kind a
    certificate is does not mean it is trusted: see :func:`validate_certificate`.
    """
    serial = _serial(cert)
    try:
        policies = _policies(cert)
        usage = _key_usage(cert)
    except ValueError as exc:  # an extension cryptography cannot decode
        raise _rejected("malformed", serial) from exc
    kinds = [kind for kind, known in _POLICIES.items() if policies & known]
    if len(kinds) == 1:
        return kinds[0]
    if not kinds and usage is not None and usage.digital_signature:
        return "signing" if usage.content_commitment else "authentication"
    raise _rejected("malformed", serial)


def parse_basic_four_items(cert: x509.Certificate) -> BasicFourItems:
    """Read 氏名, 生年月日, 性別 and 住所 from a signature certificate.

    This reads; it does not validate. Call :func:`validate_certificate` first, or the
    items are only as trustworthy as whoever made the certificate.
    """
    serial = _serial(cert)
    values: dict[x509.ObjectIdentifier, str] = {}
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for other in san.get_values_for_type(x509.OtherName):
            if other.type_id in _PERSONAL_DATA_OIDS:
                if other.type_id in values:
                    raise ValueError(f"{other.type_id.dotted_string} appears twice")
                values[other.type_id] = _decode_utf8string(other.value)
    except x509.ExtensionNotFound:
        pass
    except ValueError as exc:  # also UnicodeDecodeError
        raise _rejected("malformed", serial) from exc

    if not {OID_NAME, OID_BIRTH_DATE, OID_SEX, OID_ADDRESS} <= values.keys():
        if not values and certificate_kind(cert) == "authentication":
            raise _rejected("wrong_kind", serial, _WRONG_KIND["signing"])
        raise _rejected("malformed", serial)

    birth = _BIRTH_DATE.fullmatch(values[OID_BIRTH_DATE])
    sex_code = values[OID_SEX]
    # A missing position string is read as "no substitutes": it can only add a warning.
    name_alt = values.get(OID_NAME_SUBSTITUTES, "")
    address_alt = values.get(OID_ADDRESS_SUBSTITUTES, "")
    if (
        birth is None
        or sex_code not in _SEX_CODES
        or not values[OID_NAME].strip()
        or not values[OID_ADDRESS].strip()
        or not _POSITIONS.fullmatch(name_alt)
        or not _POSITIONS.fullmatch(address_alt)
    ):
        raise _rejected("malformed", serial)
    try:
        # The leading era digit (1 明治 … 5 令和, 0 unknown) repeats what the Gregorian date
        # says; it is not cross-checked, so a boundary quirk cannot lock a resident out.
        birth_date = date(int(birth["y"]), int(birth["m"]), int(birth["d"]))
    except ValueError as exc:  # e.g. a partly unknown date recorded as 00
        raise _rejected("malformed", serial) from exc

    return BasicFourItems(
        name=values[OID_NAME],
        name_alt=name_alt,
        birth_date=birth_date,
        sex=_SEX_CODES[sex_code],
        address=values[OID_ADDRESS],
        address_alt=address_alt,
    )


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
    serial = _serial(cert)
    presented = certificate_kind(cert)
    if presented != kind:
        raise _rejected("wrong_kind", serial, _WRONG_KIND[kind])

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
                    policy.dotted_string for policy in _POLICIES[kind]
                ),
                initial_explicit_policy=True,
            ),
        )
        await validator.async_validate_path()
        validate_usage(end_entity, _KEY_USAGE[kind], set(), extended_optional=True)
    except PathBuildingError as exc:
        raise _rejected("untrusted", serial) from exc
    except ValidationError as exc:
        raise _rejected(_code_for(exc), serial) from exc
    except (ValueError, TypeError) as exc:  # asn1crypto meeting bytes it cannot decode
        raise _rejected("malformed", serial) from exc

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
