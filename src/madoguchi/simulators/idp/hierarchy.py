"""The simulator's JPKI certificate authorities: a root, the two issuing CAs, their CRLs.

It owns what a relying party checks above a card: the CA names (``O=JPKI-TEST`` and
"not J-LIS", as on J-LIS's own test cards, so no production deployment can trust them),
RSA-2048 keys with SHA-256, the certificate policies, key identifiers, CRL distribution
points and the CRLs themselves. What goes *into* a card's certificates (the basic four
items, the subjects, the demo cards) is :mod:`.card_certificates`.

Real JPKI has two self-signed CAs, one per certificate kind. This hierarchy puts a
root above the two so that one trust anchor covers both; the relying party's code is
the same either way. CRL distribution points are devidp URLs, but they are only
data: :mod:`madoguchi.identity.jpki` checks revocation against CRLs it is handed,
made here by :func:`crl`. Keys are generated in this process and never written
anywhere unless a caller asks for PEM.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from madoguchi.identity.jpki import POLICY_AUTHENTICATION, POLICY_SIGNING

__all__ = [
    "CPS_URL",
    "CRL_URL",
    "AuthorityName",
    "CertificateAuthority",
    "TestPKI",
    "build_foreign_pki",
    "build_test_pki",
    "cached_foreign_pki",
    "cached_test_pki",
    "certificate_policies",
    "chain_pem",
    "crl",
    "crl_distribution_points",
    "issue_certificate",
    "make_key_usage",
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


def make_key_usage(
    *, signature: bool = False, commitment: bool = False, ca: bool = False
) -> x509.KeyUsage:
    """A key usage with only the named bits set (CAs: certificate and CRL signing)."""
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


_CA_KEY_USAGE = make_key_usage(ca=True)


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


def crl_distribution_points(url: str) -> x509.CRLDistributionPoints:
    """One distribution point at ``url`` (data only: CRLs are handed to the relying party)."""
    point = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    return x509.CRLDistributionPoints([point])


def certificate_policies(policy: x509.ObjectIdentifier) -> x509.CertificatePolicies:
    """``policy`` with the simulator's CPS URL, as every JPKI certificate carries it."""
    return x509.CertificatePolicies([x509.PolicyInformation(policy, [CPS_URL])])


def issue_certificate(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: CertificateAuthority | None,
    signing_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
    extensions: Iterable[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    """A SHA-256 certificate with key identifiers, signed by ``issuer`` (None: self-signed)."""
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
        issue_certificate(
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
            issue_certificate(
                subject=_NAMES[name],
                public_key=key.public_key(),
                issuer=root,
                signing_key=root_key,
                not_before=not_before,
                not_after=not_after,
                extensions=[
                    (x509.BasicConstraints(ca=True, path_length=0), True),
                    (_CA_KEY_USAGE, True),
                    (certificate_policies(policy), False),
                    (crl_distribution_points(root.crl_url), False),
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
