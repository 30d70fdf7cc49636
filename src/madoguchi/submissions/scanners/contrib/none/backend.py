"""No scanning: every file is clean (development, or a city that scans elsewhere)."""

from __future__ import annotations

from typing import IO

from ...base import Clean, ScanResult, VirusScanner


class NoScanner(VirusScanner):
    def scan(self, handle: IO[bytes]) -> ScanResult:
        return Clean()
