"""The node role's settings as production reads them: each case is a real process on
``madoguchi.settings.production`` (settings are read once per process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "madoguchi.settings.production",
    "MADOGUCHI_SECRET_KEY": "production-settings-test-" + "x" * 50,
    "MADOGUCHI_ALLOWED_HOSTS": "staff.city.example.lg.jp",
    "MADOGUCHI_ALLOW_SQLITE": "1",
}
SECRET = "client-secret-never-echoed"


def _source(base_url: str) -> str:
    return json.dumps(
        [{"name": "internet", "base_url": base_url, "client_id": "mdg_1", "secret": SECRET}]
    )


def _load(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MADOGUCHI_", "DJANGO_"))}
    environ |= PRODUCTION | environment | {"MADOGUCHI_VAR_DIR": str(tmp_path)}
    code = (
        "from django.conf import settings\n"
        "print(settings.MADOGUCHI_NODE_ROLE, len(settings.MADOGUCHI_PULL_SOURCES))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"MADOGUCHI_NODE_ROLE": "lgwan"}, "needs MADOGUCHI_PULL_SOURCES"),
        (
            {"MADOGUCHI_NODE_ROLE": "lgwan", "MADOGUCHI_PULL_SOURCES": _source("http://relay")},
            "base_url must be https:// in production (sources ['internet'])",
        ),
        (
            {"MADOGUCHI_NODE_ROLE": "internet", "MADOGUCHI_PULL_SOURCES": _source("https://a")},
            "MADOGUCHI_PULL_SOURCES is set but MADOGUCHI_NODE_ROLE is not lgwan",
        ),
    ],
)
def test_production_refuses_a_node_that_cannot_work(
    tmp_path: Path, environment: dict[str, str], refusal: str
) -> None:
    result = _load(tmp_path, **environment)

    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured")
    assert refusal in last
    assert SECRET not in result.stderr


def test_production_loads_an_lgwan_node_pulling_over_https(tmp_path: Path) -> None:
    result = _load(
        tmp_path,
        MADOGUCHI_NODE_ROLE="lgwan",
        MADOGUCHI_PULL_SOURCES=_source("https://apply.city.example.lg.jp"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["lgwan", "1"]
