"""The simulator's test JPKI, as the rest of the simulator and the test suites use it.

Two modules own it: :mod:`.hierarchy` (the CAs: root and issuing CAs, CRLs, encodings)
and :mod:`.card_certificates` (what a card's certificates contain, and the demo cards).
This module re-exports both, so callers say ``pki.demo_card`` or ``pki.crl`` without
knowing which side a name lives on. Nothing here is trusted by a production deployment:
every name says ``O=JPKI-TEST`` and "not J-LIS".
"""

from __future__ import annotations

from .card_certificates import (
    AUTH_KEY_USAGE,
    SIGNING_KEY_USAGE,
    DemoCard,
    demo_card,
    demo_crls,
    issue_auth_certificate,
    issue_signing_certificate,
    issue_signing_certificate_with_items,
)
from .hierarchy import (
    AuthorityName,
    CertificateAuthority,
    TestPKI,
    build_foreign_pki,
    build_test_pki,
    cached_foreign_pki,
    cached_test_pki,
    chain_pem,
    crl,
    new_key,
    private_key_pem,
    to_der,
    to_pem,
)

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
