"""System checks for uploads: a scanner name that exists, and scanning on in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def virus_scanner_known(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from . import scanners

    name = settings.MADOGUCHI_VIRUS_SCANNER
    if name in scanners.scanner_names():
        return []
    return [
        checks.Error(
            f"MADOGUCHI_VIRUS_SCANNER={name!r} is not a virus scanner.",
            hint=f"Use one of: {', '.join(scanners.scanner_names())} (docs/deploy.md).",
            id="submissions.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def uploads_scanned(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.MADOGUCHI_VIRUS_SCANNER != "none":
        if settings.MADOGUCHI_VIRUS_SCANNER == "clamd" and not settings.MADOGUCHI_CLAMD_SOCKET:
            return [
                checks.Error(
                    "MADOGUCHI_VIRUS_SCANNER is clamd but MADOGUCHI_CLAMD_SOCKET is empty: "
                    "every upload would be refused.",
                    hint="Set MADOGUCHI_CLAMD_SOCKET=/run/clamav/clamd.ctl or host:3310.",
                    id="submissions.E002",
                )
            ]
        return []
    return [
        checks.Warning(
            "Uploads are not scanned for viruses (MADOGUCHI_VIRUS_SCANNER=none); residents' "
            "files reach staff terminals unchecked.",
            hint="Install clamav-daemon and set MADOGUCHI_CLAMD_SOCKET (docs/deploy.md).",
            id="submissions.W001",
        )
    ]
