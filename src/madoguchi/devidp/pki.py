"""A test JPKI hierarchy: the certificates a My Number Card would carry, made locally.

devidp and the test suite need certificates that look like J-LIS's in every way a
relying party checks (RSA-2048 with SHA-256, the certificate policies, key usage,
the basic four items in subjectAltName) but that no production deployment can ever
trust. So the names say ``O=JPKI-TEST`` (as on J-LIS's own test cards) and
"not J-LIS", and the keys are generated in this process and never written anywhere
unless a caller asks for PEM.

Real JPKI has two self-signed CAs, one per certificate kind. This hierarchy puts a
root above the two so that one trust anchor covers both; the relying party's code is
the same either way. CRL distribution points are devidp URLs, but they are only
data: :mod:`madoguchi.identity.jpki` checks revocation against CRLs it is handed,
made here by :func:`crl`.
"""

from __future__ import annotations

import functools
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from madoguchi.identity.jpki import (
    OID_ADDRESS,
    OID_ADDRESS_SUBSTITUTES,
    OID_BIRTH_DATE,
    OID_NAME,
    OID_NAME_SUBSTITUTES,
    OID_SEX,
    POLICY_AUTHENTICATION,
    POLICY_SIGNING,
    BasicFourItems,
)
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.wareki import ERAS, to_wareki

from .residents import RESIDENTS, DemoResident, card_items

__all__ = [
    "AUTH_KEY_USAGE",
    "SIGNING_KEY_USAGE",
    "AuthorityName",
    "CertificateAuthority",
    "DemoCard",
    "TestPKI",
    "build_foreign_pki",
    "build_test_pki",
    "cached_foreign_pki",
    "cached_test_pki",
    "chain_pem",
    "crl",
    "demo_card",
    "demo_crls",
    "issue_auth_certificate",
    "issue_signing_certificate",
    "issue_signing_certificate_with_items",
    "new_key",
    "private_key_pem",
    "to_der",
    "to_pem",
]

AuthorityName = Literal["root", "sign", "auth"]

CRL_URL = "http://127.0.0.1:8000/devidp/crl/{name}.crl"
CPS_URL = "http://127.0.0.1:8000/devidp/cps"

_NOT_JLIS = "Madoguchi devidp (not J-LIS)"


def _name(unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI-TEST"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _NOT_JLIS),
        ]
    )


# J-LIS's are C=JP, O=JPKI, OU=JPKI for digital signature (or user authentication),
# OU=Japan Agency for Local Authority Information Systems.
_NAMES: dict[AuthorityName, x509.Name] = {
    "root": _name("Madoguchi devidp root CA"),
    "sign": _name("JPKI for digital signature"),
    "auth": _name("JPKI for user authentication"),
}
# Real cards name the service in Japanese here: C=JP, O=公的個人認証サービス.
_ISSUER_ALT_NAME = x509.IssuerAlternativeName(
    [
        x509.DirectoryName(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "公的個人認証サービス（試験用）"),
                ]
            )
        )
    ]
)


def _key_usage(
    *, signature: bool = False, commitment: bool = False, ca: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


SIGNING_KEY_USAGE = _key_usage(signature=True, commitment=True)
AUTH_KEY_USAGE = _key_usage(signature=True)
_CA_KEY_USAGE = _key_usage(ca=True)


@dataclass(frozen=True, eq=False)
class CertificateAuthority:
    name: AuthorityName
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @property
    def crl_url(self) -> str:
        return CRL_URL.format(name=self.name)


@dataclass(frozen=True, eq=False)
class TestPKI:
    """A root and the two issuing CAs (signature, user authentication) below it."""

    __test__ = False  # not a pytest test class, despite the name

    root: CertificateAuthority
    sign: CertificateAuthority
    auth: CertificateAuthority
    created_at: datetime

    @property
    def trust_roots(self) -> list[x509.Certificate]:
        return [self.root.certificate]

    @property
    def intermediates(self) -> list[x509.Certificate]:
        return [self.sign.certificate, self.auth.certificate]

    def authority(self, name: AuthorityName) -> CertificateAuthority:
        return {"root": self.root, "sign": self.sign, "auth": self.auth}[name]


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, the size JPKI uses for cards and CAs alike."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_ids(
    public_key: rsa.RSAPublicKey, issuer: CertificateAuthority | None
) -> list[x509.ExtensionType]:
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    if issuer is None:
        return [ski, x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)]
    issuer_ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return [ski, x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski.value)]


def _crl_distribution_points(url: str) -> x509.CRLDistributionPoints:
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])


def _policies(policy: x509.ObjectIdentifier) -> x509.CertificatePolicies:
    return x509.CertificatePolicies([x509.PolicyInformation(policy, [CPS_URL])])


def _certificate(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: CertificateAuthority | None,
    signing_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
    extensions: Iterable[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for key_id in _key_ids(public_key, issuer):
        builder = builder.add_extension(key_id, critical=False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def build_test_pki(now: datetime) -> TestPKI:
    """Generate a new hierarchy valid from ten years before ``now`` to ten years after.

    Three RSA-2048 keys are generated, which takes a noticeable fraction of a second;
    use :func:`cached_test_pki` where the same hierarchy will do.
    """
    not_before, not_after = now - timedelta(days=3653), now + timedelta(days=3653)
    root_key = new_key()
    root = CertificateAuthority(
        "root",
        _certificate(
            subject=_NAMES["root"],
            public_key=root_key.public_key(),
            issuer=None,
            signing_key=root_key,
            not_before=not_before,
            not_after=not_after,
            extensions=[
                (x509.BasicConstraints(ca=True, path_length=1), True),
                (_CA_KEY_USAGE, True),
            ],
        ),
        root_key,
    )
    issuing: dict[AuthorityName, CertificateAuthority] = {}
    policies: dict[AuthorityName, x509.ObjectIdentifier] = {
        "sign": POLICY_SIGNING,
        "auth": POLICY_AUTHENTICATION,
    }
    for name, policy in policies.items():
        key = new_key()
        issuing[name] = CertificateAuthority(
            name,
            _certificate(
                subject=_NAMES[name],
                public_key=key.public_key(),
                issuer=root,
                signing_key=root_key,
                not_before=not_before,
                not_after=not_after,
                extensions=[
                    (x509.BasicConstraints(ca=True, path_length=0), True),
                    (_CA_KEY_USAGE, True),
                    (_policies(policy), False),
                    (_crl_distribution_points(root.crl_url), False),
                ],
            ),
            key,
        )
    return TestPKI(root=root, sign=issuing["sign"], auth=issuing["auth"], created_at=now)


def build_foreign_pki(now: datetime) -> TestPKI:
    """A hierarchy with exactly the same names as the test PKI and different keys.

    Certificates it issues look right to anyone who compares names; they must be
    rejected by anyone who checks signatures.
    """
    return build_test_pki(now)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@functools.lru_cache(maxsize=4)
def cached_test_pki(day: date) -> TestPKI:
    """The test PKI for ``day`` (created at 00:00 UTC), generated once per process."""
    return build_test_pki(_midnight(day))


@functools.lru_cache(maxsize=4)
def cached_foreign_pki(day: date) -> TestPKI:
    """The look-alike hierarchy for ``day``, generated once per process."""
    return build_foreign_pki(_midnight(day))


# --- what the card records -------------------------------------------------------------


def _utf8string(text: str) -> bytes:
    body = text.encode("utf-8")
    if len(body) < 0x80:
        return bytes([0x0C, len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + body


def _birth_date_code(birth_date: date) -> str:
    try:
        era = ERAS.index(to_wareki(birth_date).era) + 1  # 1 明治 … 5 令和
    except InvalidJapaneseInput:
        era = 0  # 不明
    return f"{era}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"


def _sex_code(sex: str | None) -> str:
    codes = {"male": "1", "female": "2", None: "3"}
    if sex not in codes:
        raise ValueError(f"JPKI has no code for sex={sex!r}")
    return codes[sex]


def _basic_four_san(items: BasicFourItems) -> x509.SubjectAlternativeName:
    # The order real signature certificates use.
    values = [
        (OID_NAME, items.name),
        (OID_BIRTH_DATE, _birth_date_code(items.birth_date)),
        (OID_SEX, _sex_code(items.sex)),
        (OID_ADDRESS, items.address),
        (OID_NAME_SUBSTITUTES, items.name_alt),
        (OID_ADDRESS_SUBSTITUTES, items.address_alt),
    ]
    return x509.SubjectAlternativeName([x509.OtherName(oid, _utf8string(v)) for oid, v in values])


def _token(length: int) -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(length))


def issue_signing_certificate_with_items(
    pki: TestPKI,
    items: BasicFourItems,
    *,
    locality: tuple[str, str],
    not_before: datetime,
    not_after: datetime,
    private_key: rsa.RSAPrivateKey | None = None,
    key_usage: x509.KeyUsage = SIGNING_KEY_USAGE,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Issue a signature certificate recording ``items`` verbatim.

    The subject is JPKI's: C=JP, the prefecture and city as two L attributes, and a CN
    made of the request time, a sequence number and a counter code. Pass ``private_key``
    to skip key generation (tests); ``key_usage`` exists to make deliberately wrong
    certificates.
    """
    key = private_key or new_key()
    prefecture, city = locality
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, prefecture),
            x509.NameAttribute(NameOID.LOCALITY_NAME, city),
            x509.NameAttribute(
                NameOID.COMMON_NAME,
                f"{not_before:%Y%m%d%H%M%S}{secrets.randbelow(100000):05d}{_token(9)}",
            ),
        ]
    )
    certificate = _certificate(
        subject=subject,
        public_key=key.public_key(),
        issuer=pki.sign,
        signing_key=pki.sign.private_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (key_usage, True),
            (_policies(POLICY_SIGNING), True),
            (_basic_four_san(items), False),
            (_ISSUER_ALT_NAME, False),
            (_crl_distribution_points(pki.sign.crl_url), False),
        ],
    )
    return certificate, key


def issue_signing_certificate(
    pki: TestPKI,
    resident: DemoResident,
    *,
    not_before: datetime,
    not_after: datetime,
    private_key: rsa.RSAPrivateKey | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Issue ``resident``'s signature certificate (署名用電子証明書)."""
    return issue_signing_certificate_with_items(
        pki,
        card_items(resident),
        locality=resident.locality,
        not_before=not_before,
        not_after=not_after,
        private_key=private_key,
    )


def issue_auth_certificate(
    pki: TestPKI,
    *,
    not_before: datetime,
    not_after: datetime,
    private_key: rsa.RSAPrivateKey | None = None,
    key_usage: x509.KeyUsage = AUTH_KEY_USAGE,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Issue a user authentication certificate (利用者証明用電子証明書).

    It names nobody: the subject is C=JP and an opaque CN, and there is no
    subjectAltName, exactly as on a card. That is why it takes no resident.
    """
    key = private_key or new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, _token(23)),
        ]
    )
    certificate = _certificate(
        subject=subject,
        public_key=key.public_key(),
        issuer=pki.auth,
        signing_key=pki.auth.private_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (key_usage, True),
            (_policies(POLICY_AUTHENTICATION), True),
            (_ISSUER_ALT_NAME, False),
            (_crl_distribution_points(pki.auth.crl_url), False),
        ],
    )
    return certificate, key


def crl(
    pki: TestPKI,
    issuer: AuthorityName,
    revoked: Sequence[x509.Certificate],
    *,
    now: datetime,
    revoked_at: datetime | None = None,
    next_update: timedelta = timedelta(days=1),
) -> x509.CertificateRevocationList:
    """The CRL ``issuer`` publishes at ``now``, listing ``revoked``.

    ``"root"`` publishes the CRL for the two issuing CAs (an ARL), ``"sign"`` and
    ``"auth"`` the ones for card certificates. Revocations are dated ``revoked_at``,
    by default a minute before ``now``: a relying party treats a certificate as revoked
    only from strictly after its revocation date.
    """
    authority = pki.authority(issuer)
    ski = authority.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now)
        .next_update(now + next_update)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value),
            critical=False,
        )
        .add_extension(
            x509.IssuingDistributionPoint(
                full_name=[x509.UniformResourceIdentifier(authority.crl_url)],
                relative_name=None,
                only_contains_user_certs=issuer != "root",
                only_contains_ca_certs=issuer == "root",
                only_some_reasons=None,
                indirect_crl=False,
                only_contains_attribute_certs=False,
            ),
            critical=True,
        )
    )
    for certificate in revoked:
        if certificate.issuer != authority.certificate.subject:
            raise ValueError(f"{issuer!r} did not issue certificate {certificate.serial_number:X}")
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(revoked_at or now - timedelta(minutes=1))
            .build()
        )
    return builder.sign(authority.private_key, hashes.SHA256())


# --- demo cards --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DemoCard:
    """What a demo resident's card holds: both certificates and their keys."""

    resident: DemoResident
    signing_certificate: x509.Certificate
    signing_key: rsa.RSAPrivateKey
    auth_certificate: x509.Certificate
    auth_key: rsa.RSAPrivateKey


@functools.lru_cache(maxsize=64)
def demo_card(pki: TestPKI, resident: DemoResident) -> DemoCard:
    """``resident``'s card under ``pki``, issued once per process.

    Validity is relative to ``pki.created_at``: a valid or revoked card was issued 200
    days earlier for five years; an expired card ran out 30 days earlier.
    """
    issued = pki.created_at - timedelta(days=200)
    if resident.card_state == "expired":
        issued = pki.created_at - timedelta(days=5 * 365 + 30)
    expires = issued + timedelta(days=5 * 365)
    signing, signing_key = issue_signing_certificate(
        pki, resident, not_before=issued, not_after=expires
    )
    auth, auth_key = issue_auth_certificate(pki, not_before=issued, not_after=expires)
    return DemoCard(resident, signing, signing_key, auth, auth_key)


def demo_crls(
    pki: TestPKI, *, now: datetime, residents: Iterable[DemoResident] = RESIDENTS
) -> list[x509.CertificateRevocationList]:
    """The three CRLs at ``now``: revoked residents' cards are listed on both."""
    revoked = [demo_card(pki, r) for r in residents if r.card_state == "revoked"]
    revoked_at = pki.created_at - timedelta(days=10)
    return [
        crl(pki, "root", [], now=now),
        crl(pki, "sign", [c.signing_certificate for c in revoked], now=now, revoked_at=revoked_at),
        crl(pki, "auth", [c.auth_certificate for c in revoked], now=now, revoked_at=revoked_at),
    ]


# --- encodings ---------------------------------------------------------------------------


def to_pem(item: x509.Certificate | x509.CertificateRevocationList) -> bytes:
    return item.public_bytes(serialization.Encoding.PEM)


def to_der(item: x509.Certificate | x509.CertificateRevocationList) -> bytes:
    return item.public_bytes(serialization.Encoding.DER)


def chain_pem(pki: TestPKI) -> bytes:
    """The root and both issuing CAs as one PEM bundle, root first."""
    return b"".join(to_pem(c) for c in [*pki.trust_roots, *pki.intermediates])


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM: for devidp's in-memory use and tests, never for real keys."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
