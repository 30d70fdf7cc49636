"""``check`` refuses an unknown virus scanner; ``check --deploy`` warns when nothing scans."""

from __future__ import annotations

import pytest
from django.test import override_settings

from madoguchi.submissions.checks import uploads_scanned, virus_scanner_known


def _ids(check: object, **overrides: object) -> list[str]:
    with override_settings(**overrides):
        return [message.id or "" for message in check()]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("scanner", "socket", "expected"),
    [
        ("none", "", ["submissions.W001"]),
        ("clamd", "", ["submissions.E002"]),
        ("clamd", "/run/clamav/clamd.ctl", []),
    ],
)
def test_the_deploy_check_wants_uploads_scanned_by_a_configured_scanner(
    scanner: str, socket: str, expected: list[str]
) -> None:
    assert (
        _ids(uploads_scanned, MADOGUCHI_VIRUS_SCANNER=scanner, MADOGUCHI_CLAMD_SOCKET=socket)
        == expected
    )


def test_an_unknown_scanner_name_stops_the_start() -> None:
    assert _ids(virus_scanner_known, MADOGUCHI_VIRUS_SCANNER="clamav") == ["submissions.E001"]
    assert _ids(virus_scanner_known, MADOGUCHI_VIRUS_SCANNER="none") == []
