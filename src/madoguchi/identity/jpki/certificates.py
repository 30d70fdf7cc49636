"""What a My Number Card certificate is, before anyone trusts it: kind, serial, refusals.

A card holds two certificates. The signature certificate (署名用電子証明書) is the
electronic 実印: it carries the basic four items and is revoked whenever one of them
changes. The user authentication certificate (利用者証明用電子証明書) only says "this is
the same card as last time": it carries no personal data and survives a move or a marriage.
The certificate policy tells them apart (:func:`certificate_kind`).

Every refusal in :mod:`madoguchi.identity.jpki` is a :class:`CertificateRejected` with a
stable ``code`` and a message that tells the resident what to do, logged with the code and
the certificate serial only (:func:`format_serial`), never with whose certificate it is.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, ClassVar, Literal, get_args

from cryptography import x509
from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger("madoguchi.identity")

CertificateKind = Literal["signing", "authentication"]
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

# Certificate policies: 1.2.392.200149.8.5.1.1.x is the signature service, .1.3.x user
# authentication. 1.2.392.200149.8.5.1.0.20 is the signing policy of J-LIS's test cards.
POLICY_SIGNING = x509.ObjectIdentifier("1.2.392.200149.8.5.1.1.20")
POLICY_SIGNING_TEST = x509.ObjectIdentifier("1.2.392.200149.8.5.1.0.20")
POLICY_AUTHENTICATION = x509.ObjectIdentifier("1.2.392.200149.8.5.1.3.30")
POLICIES: dict[CertificateKind, frozenset[x509.ObjectIdentifier]] = {
    "signing": frozenset({POLICY_SIGNING, POLICY_SIGNING_TEST}),
    "authentication": frozenset({POLICY_AUTHENTICATION}),
}

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


def wrong_kind_message(wanted: CertificateKind) -> StrOrPromise:
    """What to tell a resident who presented the other certificate of their card."""
    return _WRONG_KIND[wanted]


class CertificateRejected(Refused):
    """A certificate that may not be used, with a code to branch on and a message to show.

    A family of refusals (:class:`madoguchi.core.refusals.Refused`): ``code`` is one of
    :data:`RejectionCode`. ``message`` is a lazy translation, rendered in the language
    active when it is shown. ``serial`` (:func:`format_serial`) identifies
    the certificate in logs and support requests without revealing whose it is.
    """

    code: RejectionCode = "untrusted"
    codes: ClassVar[frozenset[str]] = frozenset(get_args(RejectionCode))
    serial: str | None

    def __init__(
        self, code: RejectionCode, message: StrOrPromise, *, serial: str | None = None
    ) -> None:
        self.serial = serial
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, serial={self.serial!r})"

    def __reduce__(self) -> tuple[partial[CertificateRejected], tuple[()]]:
        return (partial(type(self), self.code, self.message, serial=self.serial), ())


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


def serial_of(cert: x509.Certificate) -> str:
    return format_serial(cert.serial_number)


def rejected(
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
        raise rejected("malformed", None) from exc


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
    serial = serial_of(cert)
    try:
        policies = _policies(cert)
        usage = _key_usage(cert)
    except ValueError as exc:  # an extension cryptography cannot decode
        raise rejected("malformed", serial) from exc
    kinds = [kind for kind, known in POLICIES.items() if policies & known]
    if len(kinds) == 1:
        return kinds[0]
    if not kinds and usage is not None and usage.digital_signature:
        return "signing" if usage.content_commitment else "authentication"
    raise rejected("malformed", serial)
