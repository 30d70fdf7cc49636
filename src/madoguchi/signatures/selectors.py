"""Reads for signatures: which JPKI roots and CA certificates this installation trusts."""

from __future__ import annotations

import functools
from pathlib import Path

from cryptography import x509
from django.conf import settings

from madoguchi.submissions.models import Submission

from . import trust
from .models import SignatureEvidence

__all__ = ["evidence_for", "jpki_intermediates", "jpki_trust_roots"]


@functools.lru_cache(maxsize=8)
def _load_pem_files(paths: tuple[str, ...]) -> tuple[x509.Certificate, ...]:
    found: list[x509.Certificate] = []
    for path in paths:
        found += x509.load_pem_x509_certificates(Path(path).read_bytes())
    return tuple(found)


def jpki_trust_roots() -> list[x509.Certificate]:
    """Trust anchors for signing certificates.

    ``MADOGUCHI_JPKI_TRUST_ROOTS`` lists PEM files (J-LIS's published CA certificates for
    the signature service); a simulator's test root is added only where a simulator is
    installed and enabled (:mod:`.trust`), so a production server can never accept a
    simulator's signature.
    """
    roots = list(_load_pem_files(tuple(getattr(settings, "MADOGUCHI_JPKI_TRUST_ROOTS", ()))))
    for source in trust.development_sources():
        roots += source.trust_roots()
    return roots


def jpki_intermediates() -> list[x509.Certificate]:
    """CA certificates between the roots and card certificates (none for J-LIS's own CAs,
    which are self-signed; ``MADOGUCHI_JPKI_INTERMEDIATES`` lists PEM files if needed)."""
    found = list(_load_pem_files(tuple(getattr(settings, "MADOGUCHI_JPKI_INTERMEDIATES", ()))))
    for source in trust.development_sources():
        found += source.intermediates()
    return found


def evidence_for(submission: Submission) -> SignatureEvidence | None:
    """The evidence of the latest signed document (a signed correction replaces the first)."""
    return SignatureEvidence.objects.filter(submission=submission).order_by("-id").first()
