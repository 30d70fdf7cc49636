"""What a virus scanner backend must do, and what it answers.

A backend either answers (clean, or infected with the signature's name) or raises
:class:`ScannerUnavailable`; the upload is then refused (fail closed).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import IO


class ScannerUnavailable(Exception):
    """The scanner is configured but did not give a verdict (down, timed out, refused)."""


@dataclass(frozen=True)
class Clean:
    pass


@dataclass(frozen=True)
class Infected:
    # The scanner's name for what it found, e.g. "Eicar-Test-Signature": not personal data.
    signature: str


ScanResult = Clean | Infected


class VirusScanner(ABC):
    """One scanner backend. A new instance is made per upload, configured from settings."""

    @abstractmethod
    def scan(self, handle: IO[bytes]) -> ScanResult:
        """Scan the bytes from the handle's current position to its end."""
