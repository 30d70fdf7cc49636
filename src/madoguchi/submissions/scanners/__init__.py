"""Virus scanners for uploads: a registry (``none``, ``clamd``) chosen by settings.

Importing the package registers the built-in backends.
"""

from __future__ import annotations

from . import clamd, none  # noqa: F401  (registers the backends)
from .registry import (
    Clean,
    Infected,
    ScannerUnavailable,
    ScanResult,
    VirusScanner,
    configured,
    register,
    scanner,
    scanner_names,
)

__all__ = [
    "Clean",
    "Infected",
    "ScanResult",
    "ScannerUnavailable",
    "VirusScanner",
    "configured",
    "register",
    "scanner",
    "scanner_names",
]
