"""The simulator's test JPKI hierarchy and demo cards, persisted in the database.

Generated once (the first time anything needs them) and then read back, so the root
that signature evidence chains to survives restarts and is the same for every process
of a development server. CRLs are not stored: they are re-signed on demand by the
stored CA keys, valid for a day from the start of the current hour.

Loading parses PEM and private keys, which costs a few milliseconds; parsed objects
are cached per process by their PEM text, so a regenerated hierarchy (``--reset``) is
picked up at once.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import pki
from .models import DemoCardRecord, TestAuthority
from .residents import RESIDENTS, DemoResident

__all__ = ["TestPkiTrust", "card", "crl_for", "current_crls", "test_pki", "trust_roots"]

_NAMES: tuple[pki.AuthorityName, ...] = ("root", "sign", "auth")


@functools.lru_cache(maxsize=1)
def _generated() -> pki.TestPKI:
    # One hierarchy per process to seed an empty database with; in tests every test's
    # database starts empty, and generating three RSA keys each time would be slow.
    now = timezone.now().astimezone(UTC)
    return pki.build_test_pki(now.replace(hour=0, minute=0, second=0, microsecond=0))


def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("test CA keys are RSA")
    return key


def _store(generated: pki.TestPKI) -> None:
    try:
        with transaction.atomic():
            for name in _NAMES:
                authority = generated.authority(name)
                TestAuthority.objects.create(
                    name=name,
                    certificate_pem=pki.to_pem(authority.certificate).decode(),
                    private_key_pem=pki.private_key_pem(authority.private_key).decode(),
                    created_at=generated.created_at,
                )
    except IntegrityError:
        pass  # another process stored its hierarchy first; read that one


@functools.lru_cache(maxsize=8)
def _load(rows: tuple[tuple[str, str, str], ...], created_at: datetime) -> pki.TestPKI:
    authorities = {
        name: pki.CertificateAuthority(
            name,  # type: ignore[arg-type]
            x509.load_pem_x509_certificate(cert.encode()),
            _private_key(key),
        )
        for name, cert, key in rows
    }
    return pki.TestPKI(
        root=authorities["root"],
        sign=authorities["sign"],
        auth=authorities["auth"],
        created_at=created_at,
    )


def test_pki() -> pki.TestPKI:
    """The hierarchy of this installation, created and stored on first use."""
    rows = list(TestAuthority.objects.filter(name__in=_NAMES).order_by("name"))
    if len(rows) != len(_NAMES):
        TestAuthority.objects.all().delete()
        _store(_generated())
        rows = list(TestAuthority.objects.filter(name__in=_NAMES).order_by("name"))
    return _load(
        tuple((r.name, r.certificate_pem, r.private_key_pem) for r in rows), rows[0].created_at
    )


test_pki.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def trust_roots() -> list[x509.Certificate]:
    return test_pki().trust_roots


@functools.lru_cache(maxsize=64)
def _load_card(resident: DemoResident, pems: tuple[str, str, str, str]) -> pki.DemoCard:
    signing, signing_key, auth, auth_key = pems
    return pki.DemoCard(
        resident=resident,
        signing_certificate=x509.load_pem_x509_certificate(signing.encode()),
        signing_key=_private_key(signing_key),
        auth_certificate=x509.load_pem_x509_certificate(auth.encode()),
        auth_key=_private_key(auth_key),
    )


def card(resident: DemoResident) -> pki.DemoCard:
    """``resident``'s card under the stored hierarchy, issued and stored on first use."""
    hierarchy = test_pki()
    record = DemoCardRecord.objects.filter(resident_id=resident.id).first()
    if record is not None:
        loaded = _load_card(
            resident,
            (
                record.signing_certificate_pem,
                record.signing_key_pem,
                record.auth_certificate_pem,
                record.auth_key_pem,
            ),
        )
        # A card from an earlier hierarchy (the CAs were reset) is replaced.
        try:
            loaded.signing_certificate.verify_directly_issued_by(hierarchy.sign.certificate)
        except (ValueError, TypeError, InvalidSignature):
            record.delete()
        else:
            return loaded
    issued = pki.demo_card(hierarchy, resident)
    try:
        with transaction.atomic():
            DemoCardRecord.objects.create(
                resident_id=resident.id,
                signing_certificate_pem=pki.to_pem(issued.signing_certificate).decode(),
                signing_key_pem=pki.private_key_pem(issued.signing_key).decode(),
                auth_certificate_pem=pki.to_pem(issued.auth_certificate).decode(),
                auth_key_pem=pki.private_key_pem(issued.auth_key).decode(),
            )
    except IntegrityError:
        return card(resident)
    return issued


def _this_hour(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@functools.lru_cache(maxsize=32)
def _signed_crl(
    hierarchy: pki.TestPKI,
    name: pki.AuthorityName,
    revoked_pems: tuple[bytes, ...],
    this_update: datetime,
) -> x509.CertificateRevocationList:
    revoked = [x509.load_pem_x509_certificate(pem) for pem in revoked_pems]
    return pki.crl(
        hierarchy,
        name,
        revoked,
        now=this_update,
        revoked_at=hierarchy.created_at - timedelta(days=10),
    )


def crl_for(
    name: pki.AuthorityName, *, now: datetime | None = None
) -> x509.CertificateRevocationList:
    """The CRL ``name`` publishes now: thisUpdate at the start of the hour, valid a day."""
    hierarchy = test_pki()
    revoked: list[bytes] = []
    if name != "root":
        for resident in RESIDENTS:
            if resident.card_state == "revoked":
                issued = card(resident)
                cert = issued.signing_certificate if name == "sign" else issued.auth_certificate
                revoked.append(pki.to_pem(cert))
    return _signed_crl(hierarchy, name, tuple(sorted(revoked)), _this_hour(now or timezone.now()))


def current_crls(*, now: datetime | None = None) -> list[x509.CertificateRevocationList]:
    """All three CRLs (root's ARL, signing, authentication) as published now."""
    return [crl_for(name, now=now) for name in _NAMES]


class TestPkiTrust:
    """The stored hierarchy as ``madoguchi.signatures.trust`` reads it (registered by
    ``apps.DevIdpConfig.ready()``): signatures made with demo cards verify, revoked
    demo cards are refused, and nothing is generated until a signature is checked."""

    __test__ = False  # not a pytest test class

    def trust_roots(self) -> list[x509.Certificate]:
        return trust_roots()

    def intermediates(self) -> list[x509.Certificate]:
        return test_pki().intermediates

    def crls_for(
        self, certificate: x509.Certificate
    ) -> list[x509.CertificateRevocationList] | None:
        hierarchy = test_pki()
        for name in _NAMES:
            if certificate.issuer == hierarchy.authority(name).certificate.subject:
                return [crl_for(name)]
        return None
