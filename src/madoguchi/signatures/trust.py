"""Trust anchors and CRLs that a development stand-in adds to the configured ones.

A production server trusts only what its settings name: ``MADOGUCHI_JPKI_TRUST_ROOTS``,
``MADOGUCHI_JPKI_INTERMEDIATES`` and ``MADOGUCHI_JPKI_CRL_SOURCE``. In development and
tests the identity simulator (``madoguchi.simulators.idp``) issues demo cards under its
own test PKI; it registers that PKI here from its ``AppConfig.ready()``, so signatures
never imports a simulator and learns of one only when one is installed.

Invariant: registered sources are read only while ``MADOGUCHI_DEVIDP_ENABLED`` is True.
Production settings force it off and refuse every simulator app, so a production server
never accepts a signature under a simulator's root, whatever was registered.
"""

from __future__ import annotations

from typing import Protocol

from cryptography import x509
from django.conf import settings

__all__ = ["DevelopmentTrustSource", "development_sources", "register_development_source"]


class DevelopmentTrustSource(Protocol):
    """A test PKI: its roots, the CAs below them, and the CRLs of what it issued.

    Called on every check, so a source reads its current hierarchy each time (a reset
    hierarchy is picked up at once); none of them may be called at registration.
    """

    def trust_roots(self) -> list[x509.Certificate]: ...

    def intermediates(self) -> list[x509.Certificate]: ...

    def crls_for(
        self, certificate: x509.Certificate
    ) -> list[x509.CertificateRevocationList] | None:
        """The CRLs covering ``certificate`` if this PKI issued it, else None."""
        ...


_sources: dict[str, DevelopmentTrustSource] = {}


def register_development_source(name: str, source: DevelopmentTrustSource) -> None:
    """Add (or replace: ``ready()`` may run more than once) the test PKI called ``name``."""
    _sources[name] = source


def development_sources() -> list[DevelopmentTrustSource]:
    """The registered test PKIs, or none unless the simulators are enabled."""
    if getattr(settings, "MADOGUCHI_DEVIDP_ENABLED", False) is not True:
        return []
    return list(_sources.values())
