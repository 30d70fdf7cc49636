"""``madoguchi check --deploy``: signatures cannot be checked without J-LIS's roots and CRLs.

Without trust roots every signed application is refused; without a deliberate CRL source a
revoked card could sign wherever distribution points are unreachable (LGWAN). Both used to be
promised by the docs and read by nothing, so a server started "configured" and was not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from . import trust


def _unreadable_roots(paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        try:
            if not x509.load_pem_x509_certificates(Path(path).read_bytes()):
                problems.append(f"{path}: no certificate")
        except (OSError, ValueError) as error:
            problems.append(f"{path}: {error}")
    return problems


@checks.register(checks.Tags.security, deploy=True)
def jpki_trust_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if trust.development_sources():
        return []  # a simulator's test PKI stands in (development and tests only)
    found: list[checks.CheckMessage] = []
    roots = list(getattr(settings, "MADOGUCHI_JPKI_TRUST_ROOTS", []) or [])
    if not roots:
        found.append(
            checks.Error(
                "MADOGUCHI_JPKI_TRUST_ROOTS is not set: every signed application would be refused.",
                hint="Set it to the PEM files of J-LIS's signature CA certificates "
                "(see docs/identity.md).",
                id="signatures.E001",
            )
        )
    for problem in _unreadable_roots(roots):
        found.append(
            checks.Error(
                f"MADOGUCHI_JPKI_TRUST_ROOTS: {problem}",
                hint="Each path must be a readable PEM file with at least one certificate.",
                id="signatures.E002",
            )
        )
    source = getattr(settings, "MADOGUCHI_JPKI_CRL_SOURCE", "")
    if not source:
        found.append(
            checks.Error(
                "MADOGUCHI_JPKI_CRL_SOURCE is not set: revocation of signing certificates "
                "would depend on reaching each certificate's distribution point.",
                hint="Name the CRL source deliberately, e.g. "
                "madoguchi.signatures.revocation.default_crls (see docs/identity.md).",
                id="signatures.E003",
            )
        )
    else:
        try:
            loaded = import_string(source)
        except ImportError as error:
            loaded, reason = None, str(error)
        else:
            reason = "it is not callable"
        if not callable(loaded):
            found.append(
                checks.Error(
                    f"MADOGUCHI_JPKI_CRL_SOURCE={source!r} cannot be used: {reason}.",
                    hint="A dotted path to a callable (certificates) -> [CRL].",
                    id="signatures.E004",
                )
            )
    return found
