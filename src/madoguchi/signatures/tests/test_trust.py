"""A test PKI reaches signatures only through the registry, and only while simulators are on."""

from __future__ import annotations

from types import SimpleNamespace
from typing import NoReturn, cast

import pytest
from cryptography import x509
from django.test import override_settings

from madoguchi.signatures import revocation, selectors, trust
from madoguchi.signatures.checks import jpki_trust_configured


def _absent(kind: type) -> NoReturn:
    raise x509.ExtensionNotFound("no CRL distribution points", x509.CRLDistributionPoints.oid)


ROOT = cast(x509.Certificate, SimpleNamespace(issuer="root", subject="root"))
CA = cast(x509.Certificate, SimpleNamespace(issuer="root", subject="ca"))
CARD = cast(
    x509.Certificate,
    SimpleNamespace(
        issuer="ca",
        subject="card",
        serial_number=1,
        extensions=SimpleNamespace(get_extension_for_class=_absent),
    ),
)
CRL = cast(x509.CertificateRevocationList, SimpleNamespace(name="the CA's CRL"))


class FakePki:
    def trust_roots(self) -> list[x509.Certificate]:
        return [ROOT]

    def intermediates(self) -> list[x509.Certificate]:
        return [CA]

    def crls_for(
        self, certificate: x509.Certificate
    ) -> list[x509.CertificateRevocationList] | None:
        return [CRL] if certificate is CARD else None


@pytest.fixture
def only_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trust, "_sources", {})
    trust.register_development_source("fake", FakePki())


@pytest.mark.usefixtures("only_the_fake")
@override_settings(MADOGUCHI_JPKI_TRUST_ROOTS=[], MADOGUCHI_JPKI_INTERMEDIATES=[])
def test_a_registered_test_pki_is_trusted_while_the_simulators_are_enabled() -> None:
    assert selectors.jpki_trust_roots() == [ROOT]
    assert selectors.jpki_intermediates() == [CA]
    assert revocation.default_crls([CARD]) == [CRL]
    assert jpki_trust_configured() == []  # the test PKI stands in for J-LIS's


@pytest.mark.usefixtures("only_the_fake")
@override_settings(
    MADOGUCHI_DEVIDP_ENABLED=False, MADOGUCHI_JPKI_TRUST_ROOTS=[], MADOGUCHI_JPKI_INTERMEDIATES=[]
)
def test_a_registered_test_pki_is_ignored_where_the_simulators_are_off() -> None:
    assert trust.development_sources() == []
    assert selectors.jpki_trust_roots() == []
    assert selectors.jpki_intermediates() == []
    with pytest.raises(revocation.RevocationUnavailable, match="names no CRL"):
        revocation.default_crls([CARD])  # not from the test PKI: from its (absent) CRL URL


def test_the_identity_simulator_registers_its_test_pki_when_it_starts() -> None:
    from madoguchi.simulators.idp.authorities import TestPkiTrust

    assert [type(source) for source in trust.development_sources()] == [TestPkiTrust]
