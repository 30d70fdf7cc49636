"""Virus scanner backends by name: the value of ``MADOGUCHI_VIRUS_SCANNER``.

One :class:`~madoguchi.core.registry.Registry` of scanner classes, the shape identity
providers have (madoguchi.identity.registry). An unknown name is an error listing the known
ones (``madoguchi check`` reports it at start); a second class under a taken name is refused.

To add a scanner:

1. create ``submissions/scanners/contrib/<name>/backend.py`` with a subclass of
   :class:`~.base.VirusScanner` that answers :class:`~.base.Clean` or :class:`~.base.Infected`,
   or raises :class:`~.base.ScannerUnavailable` (the upload is then refused, fail closed);
2. register it in ``SubmissionsConfig.ready`` (submissions/apps.py) with
   ``register("<name>", Backend)``;
3. document its settings in docs/deploy.md.

Registration is explicit, never a side effect of importing a module.
"""

from __future__ import annotations

from django.conf import settings

from madoguchi.core.registry import Registry

from .base import VirusScanner

backends: Registry[type[VirusScanner]] = Registry("virus scanner")


def register(name: str, backend: type[VirusScanner]) -> type[VirusScanner]:
    return backends.register(name, backend)


def scanner(name: str) -> VirusScanner:
    """A new scanner of this name, configured from settings; raises UnknownBackend."""
    return backends.get(name)()


def scanner_names() -> list[str]:
    return backends.names()


def configured() -> VirusScanner:
    """The scanner ``MADOGUCHI_VIRUS_SCANNER`` names."""
    return scanner(settings.MADOGUCHI_VIRUS_SCANNER)
