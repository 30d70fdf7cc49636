"""A private clamd for the virus-scanning tests (never skipped: missing clamd fails)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from madoguchi.testing import clamd


@pytest.fixture(scope="session")
def clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    try:
        clamd.clamd_binary()
    except clamd.ClamdMissing as missing:
        pytest.fail(str(missing))
    with clamd.running_clamd(tmp_path_factory.mktemp("clamd")) as sock:
        yield sock


@pytest.fixture
def clamd_scanning(settings: Any, clamd_socket: Path) -> Path:
    """Uploads are scanned by the private clamd, as MADOGUCHI_CLAMD_SOCKET would set up."""
    settings.MADOGUCHI_VIRUS_SCANNER = "clamd"
    settings.MADOGUCHI_CLAMD_SOCKET = str(clamd_socket)
    return clamd_socket
