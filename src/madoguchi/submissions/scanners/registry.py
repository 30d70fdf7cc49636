"""The virus scanner registry: what a backend must do, and how one is found by name.

Adding a scanner is a new module with a ``@register("name")`` class. A backend either
answers (clean, or infected with the signature's name) or raises
:class:`ScannerUnavailable`; the caller then refuses the upload (fail closed).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings


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
    @abstractmethod
    def scan(self, handle: IO[bytes]) -> ScanResult:
        """Scan the bytes from the handle's current position to its end."""


_scanners: dict[str, Callable[[], VirusScanner]] = {}


def register(name: str) -> Callable[[type[VirusScanner]], type[VirusScanner]]:
    def decorator(cls: type[VirusScanner]) -> type[VirusScanner]:
        _scanners[name] = cls
        return cls

    return decorator


def scanner(name: str) -> VirusScanner:
    """A new scanner of this name, configured from settings."""
    try:
        factory = _scanners[name]
    except KeyError as error:
        raise LookupError(
            f"no virus scanner named {name!r} (known: {', '.join(scanner_names())})"
        ) from error
    return factory()


def scanner_names() -> list[str]:
    return sorted(_scanners)


def configured() -> VirusScanner:
    """The scanner ``MADOGUCHI_VIRUS_SCANNER`` names."""
    return scanner(settings.MADOGUCHI_VIRUS_SCANNER)
