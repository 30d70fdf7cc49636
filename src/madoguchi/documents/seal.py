"""The city's seal certificate (公印), which signs receipts.

In production each municipality has a PKCS#12 file ``MADOGUCHI_SEAL_DIR/<lg_code>.p12``
holding its seal key and certificate chain (issued by LGPKI or another CA the city
trusts), unlocked with the passphrase in ``MADOGUCHI_SEAL_PASSPHRASE`` or in the file
named by ``MADOGUCHI_SEAL_PASSPHRASE_FILE``. The roots a verifier should trust are
published from ``MADOGUCHI_SEAL_ROOTS`` (a PEM bundle, including the TSA's root).

Everywhere else (development, tests, the demo) a "Madoguchi Test Seal CA" issues one
seal certificate per municipality and one time-stamping certificate. They are generated
once and kept under ``MADOGUCHI_KEYS_DIR`` so that receipts issued yesterday still verify
after a restart. Their names say "test" so nobody mistakes them for a real 公印.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from madoguchi.tenants.models import Municipality

__all__ = [
    "SealCredential",
    "SealUnavailable",
    "local_tsa",
    "roots_pem",
    "seal_for",
    "seal_roots",
    "uses_test_seal",
]

TEST_ROOT_NAME = "Madoguchi Test Seal CA"
_TEST_OU = "Madoguchi test seal (not LGPKI, not valid for official use)"


class SealUnavailable(ImproperlyConfigured):
    """No seal certificate can be loaded for a municipality; the message says what to set."""


@dataclass(frozen=True, eq=False)
class SealCredential:
    """A signing key with its certificate and the chain up to (and including) the root."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]


def uses_test_seal() -> bool:
    """True when receipts are sealed by the generated test CA instead of a city's PKCS#12."""
    return not getattr(settings, "MADOGUCHI_SEAL_DIR", "")


def _test_seal_allowed() -> None:
    if not getattr(settings, "MADOGUCHI_TEST_SEAL_ALLOWED", True):
        raise SealUnavailable(
            "Set MADOGUCHI_SEAL_DIR to the directory with each municipality's seal "
            "certificate (<lg_code>.p12); the test seal is not allowed here."
        )


# --- production: one PKCS#12 per municipality ------------------------------------------


def _passphrase() -> bytes | None:
    path = getattr(settings, "MADOGUCHI_SEAL_PASSPHRASE_FILE", "")
    if path:
        return Path(path).read_bytes().rstrip(b"\r\n")
    value = getattr(settings, "MADOGUCHI_SEAL_PASSPHRASE", "")
    return value.encode() if value else None


@functools.lru_cache(maxsize=64)
def _load_p12(path: str, mtime: float) -> SealCredential:
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(
            Path(path).read_bytes(), _passphrase()
        )
    except (OSError, ValueError) as error:
        raise SealUnavailable(f"Cannot read the seal certificate {path}: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey) or certificate is None:
        raise SealUnavailable(f"{path} must hold an RSA seal key and its certificate")
    return SealCredential(certificate, key, tuple(extra))


def _p12_seal(municipality: Municipality) -> SealCredential:
    path = Path(settings.MADOGUCHI_SEAL_DIR) / f"{municipality.lg_code}.p12"
    if not path.exists():
        raise SealUnavailable(
            f"No seal certificate for {municipality.lg_code}: put it at {path} (PKCS#12)"
        )
    return _load_p12(str(path), path.stat().st_mtime)


# --- development and tests: a generated test CA ------------------------------------------


def _keys_dir() -> Path:
    return Path(getattr(settings, "MADOGUCHI_KEYS_DIR", Path(settings.VAR_DIR) / "keys"))


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: SealCredential | None,
    years: int,
    eku: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = datetime.now(UTC).replace(microsecond=0)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # An hour of slack for clocks of verifiers that run slightly behind.
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .add_extension(_key_usage(ca=issuer is None), critical=True)
        .add_extension(ski, critical=False)
    )
    if issuer is not None:
        issuer_ski = issuer.certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    return builder.sign(key if issuer is None else issuer.private_key, hashes.SHA256())


def _pem(credential: SealCredential) -> bytes:
    key = credential.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    certificates = b"".join(
        c.public_bytes(serialization.Encoding.PEM)
        for c in (credential.certificate, *credential.chain)
    )
    return key + certificates


def _read(path: Path) -> SealCredential:
    return _read_cached(str(path), path.stat().st_mtime_ns)


# Loading an RSA key checks it, which takes a fifth of a second: keep what was loaded
# (per file version, so replacing a file takes effect).
@functools.lru_cache(maxsize=64)
def _read_cached(name: str, mtime_ns: int) -> SealCredential:
    path = Path(name)
    data = path.read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    certificates = x509.load_pem_x509_certificates(data)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SealUnavailable(f"{path} does not hold an RSA key")
    return SealCredential(certificates[0], key, tuple(certificates[1:]))


def _persisted(name: str, make: functools.partial[SealCredential]) -> SealCredential:
    """Load ``name`` from the keys directory, or make it and store it atomically.

    Several processes (web workers, test workers) may ask at once: each writes a
    temporary file and links it into place, the first link wins and the others load
    the winner, so everyone signs with the same key.
    """
    directory = _keys_dir()
    path = directory / name
    if path.exists():
        return _read(path)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(_pem(make()))
        with contextlib.suppress(FileExistsError):  # another process won: use theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read(path)


def _make_root() -> SealCredential:
    key = _new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi (test only)"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _TEST_OU),
            x509.NameAttribute(NameOID.COMMON_NAME, TEST_ROOT_NAME),
        ]
    )
    return SealCredential(_issue(subject=name, key=key, issuer=None, years=20), key, ())


def _make_leaf(
    root: SealCredential, subject: x509.Name, eku: x509.ObjectIdentifier | None
) -> SealCredential:
    key = _new_key()
    certificate = _issue(subject=subject, key=key, issuer=root, years=10, eku=eku)
    return SealCredential(certificate, key, (root.certificate,))


def _test_root() -> SealCredential:
    return _persisted("seal-test-root.pem", functools.partial(_make_root))


def _test_seal(municipality: Municipality) -> SealCredential:
    root = _test_root()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, municipality.prefecture or "-"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, municipality.name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _TEST_OU),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"LGJP-{municipality.lg_code}"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{municipality.name} 公印（試験用）"),
        ]
    )
    seal = _persisted(
        f"seal-test-{municipality.lg_code}.pem",
        functools.partial(_make_leaf, root, subject, None),
    )
    _check_issued_by(seal, root)
    return seal


def _check_issued_by(leaf: SealCredential, root: SealCredential) -> None:
    try:
        leaf.certificate.verify_directly_issued_by(root.certificate)
    except (ValueError, TypeError) as error:
        raise SealUnavailable(
            f"The test seal certificates in {_keys_dir()} do not match the test root; "
            "delete the seal-test-*.pem files there to make new ones."
        ) from error


def local_tsa() -> SealCredential:
    """The local test time-stamping authority's key and certificate (EKU timeStamping)."""
    _test_seal_allowed()
    root = _test_root()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Madoguchi (test only)"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _TEST_OU),
            x509.NameAttribute(NameOID.COMMON_NAME, "Madoguchi Test TSA"),
        ]
    )
    tsa = _persisted(
        "seal-test-tsa.pem",
        functools.partial(_make_leaf, root, subject, ExtendedKeyUsageOID.TIME_STAMPING),
    )
    _check_issued_by(tsa, root)
    return tsa


# --- what callers use ---------------------------------------------------------------------


def seal_for(municipality: Municipality) -> SealCredential:
    """The seal that signs this municipality's receipts; raises SealUnavailable."""
    if not uses_test_seal():
        return _p12_seal(municipality)
    _test_seal_allowed()
    return _test_seal(municipality)


def seal_roots() -> list[x509.Certificate]:
    """The roots a verifier trusts for seals and timestamps: what /receipts/trust/ publishes."""
    configured = getattr(settings, "MADOGUCHI_SEAL_ROOTS", "")
    if configured:
        return x509.load_pem_x509_certificates(Path(configured).read_bytes())
    if uses_test_seal():
        _test_seal_allowed()
        return [_test_root().certificate]
    raise SealUnavailable("Set MADOGUCHI_SEAL_ROOTS to the PEM bundle of the seal and TSA roots")


def roots_pem() -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in seal_roots())
