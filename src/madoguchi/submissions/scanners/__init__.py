"""Virus scanners for uploads, chosen by ``MADOGUCHI_VIRUS_SCANNER``.

``base`` says what a backend must do, ``registry`` finds one by name, and each backend lives
in ``contrib/<name>/`` (``none``, ``clamd``); the built-in ones are registered in
``SubmissionsConfig.ready``.
"""

from __future__ import annotations

from .base import Clean, Infected, ScannerUnavailable, ScanResult, VirusScanner
from .registry import configured, register, scanner, scanner_names

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
