"""Where the CRLs for checking a signing certificate come from: one pluggable function.

``MADOGUCHI_JPKI_CRL_SOURCE`` names a callable ``(certificates) -> list[CRL]`` that
returns CRLs covering every certificate given (the signing certificate and the CAs
below the root). The default, :func:`default_crls`, asks a registered test PKI
in-process for the certificates it issued (the identity simulator in development and
tests, :mod:`.trust`) and otherwise downloads the
CRL named in each certificate's CRL distribution point, keeping it in the cache until
its nextUpdate (at most an hour).

J-LIS does not publish the signature service's CRLs on the internet: a city obtains
revocation information as a 署名検証者 or through a プラットフォーム事業者. Such a
service plugs in here as another callable (see docs/identity.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from madoguchi.identity import jpki

from . import trust

__all__ = ["CrlSource", "RevocationUnavailable", "crls_for", "default_crls", "fetch_crl"]

logger = logging.getLogger("madoguchi.signatures")

CrlSource = Callable[[Sequence[x509.Certificate]], list[x509.CertificateRevocationList]]
HTTP_TIMEOUT = 10
MAX_CACHE_SECONDS = 3600


class RevocationUnavailable(Exception):
    """No current CRL could be obtained for a certificate."""


def _distribution_points(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [
        name.value
        for point in points
        for name in point.full_name or []
        if isinstance(name, x509.UniformResourceIdentifier)
        and name.value.startswith(("http://", "https://"))
    ]


def fetch_crl(url: str) -> x509.CertificateRevocationList:
    """Download a DER (or PEM) CRL, cached until its nextUpdate but at most an hour."""
    key = f"jpki:crl:{url}"
    der = cache.get(key)
    if der is None:
        try:
            response = requests.get(url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
        except requests.RequestException as error:
            raise RevocationUnavailable(f"{url}: {type(error).__name__}") from error
        body = response.content
        try:
            crl = (
                x509.load_pem_x509_crl(body)
                if body.lstrip().startswith(b"-----BEGIN")
                else x509.load_der_x509_crl(body)
            )
        except ValueError as error:
            raise RevocationUnavailable(f"{url}: not a CRL") from error
        der = crl.public_bytes(Encoding.DER)
        next_update = crl.next_update_utc or datetime.now(UTC)
        ttl = int(min(MAX_CACHE_SECONDS, (next_update - timezone.now()).total_seconds()))
        if ttl > 0:
            cache.set(key, der, ttl)
        return crl
    return x509.load_der_x509_crl(der)


def _development_crls(cert: x509.Certificate) -> list[x509.CertificateRevocationList] | None:
    for source in trust.development_sources():
        found = source.crls_for(cert)
        if found is not None:
            return found
    return None


def default_crls(certificates: Sequence[x509.Certificate]) -> list[x509.CertificateRevocationList]:
    """CRLs for each certificate: from a test PKI in-process, else from its distribution point."""
    found: list[x509.CertificateRevocationList] = []
    for cert in certificates:
        if cert.issuer == cert.subject:
            continue  # a root needs no CRL
        local = _development_crls(cert)
        if local is not None:
            found += local
            continue
        urls = _distribution_points(cert)
        if not urls:
            raise RevocationUnavailable(
                f"certificate {jpki.format_serial(cert.serial_number)} names no CRL"
            )
        found.append(fetch_crl(urls[0]))
    return found


DEFAULT_CRL_SOURCE = "madoguchi.signatures.revocation.default_crls"


def crls_for(certificates: Sequence[x509.Certificate]) -> list[x509.CertificateRevocationList]:
    """The configured source's CRLs for ``certificates`` (deduplicated)."""
    source: CrlSource = import_string(
        getattr(settings, "MADOGUCHI_JPKI_CRL_SOURCE", "") or DEFAULT_CRL_SOURCE
    )
    unique: dict[bytes, x509.CertificateRevocationList] = {}
    for crl in source(certificates):
        unique.setdefault(crl.public_bytes(Encoding.DER), crl)
    return list(unique.values())
