"""Production settings never load a simulator or the demo, whatever the environment says.

Each case starts a real process on ``madoguchi.settings.production`` (settings are read
once per process, so this cannot be checked with override_settings), with an environment
that asks for everything development has.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

DEVELOPMENT_ONLY = ("madoguchi.simulators", "madoguchi.demo")
# Everything a developer's shell could export to turn the simulators and the demo on.
HOSTILE_ENVIRONMENT = {
    "MADOGUCHI_DEVIDP_ENABLED": "1",
    "MADOGUCHI_ALLOW_DEMO": "1",
    "MADOGUCHI_DEVIDP_URL": "http://localhost:8000",
    "MADOGUCHI_DEBUG": "1",
    "DEBUG": "1",
}
PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "madoguchi.settings.production",
    "MADOGUCHI_SECRET_KEY": "production-settings-test-" + "x" * 50,
    "MADOGUCHI_ALLOWED_HOSTS": "madoguchi.example.jp",
    "MADOGUCHI_ALLOW_SQLITE": "1",
}

STARTED = """
    import django
    from django.apps import apps
    from django.conf import settings
    from django.urls import Resolver404, resolve

    django.setup()
    try:
        resolve("/devidp/api/realms/main")
        simulator_urls = True
    except Resolver404:
        simulator_urls = False
    print(json.dumps({
        "apps": [config.name for config in apps.get_app_configs()],
        "switches": [settings.MADOGUCHI_DEVIDP_ENABLED, settings.MADOGUCHI_ALLOW_DEMO],
        "simulator_urls": simulator_urls,
    }))
"""
# Production settings with a development-only app in their base list (a mistake in base.py).
IN_BASE = """
    from madoguchi.settings import base

    base.INSTALLED_APPS.append("madoguchi.simulators.idp")
    import madoguchi.settings.production
"""
# A settings module built on production that adds them afterwards.
ADDED_AFTER = """
    import sys, types
    import django
    from madoguchi.settings import production

    extended = types.ModuleType("extended")
    vars(extended).update({k: v for k, v in vars(production).items() if k.isupper()})
    extended.INSTALLED_APPS = [*production.INSTALLED_APPS, ADDED_APP]
    sys.modules["extended"] = extended
    os.environ["DJANGO_SETTINGS_MODULE"] = "extended"
    django.setup()
"""


def _run(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "MADOGUCHI_")) and name != "DATABASE_URL"
    }
    environ |= HOSTILE_ENVIRONMENT | PRODUCTION_ENVIRONMENT
    environ["MADOGUCHI_VAR_DIR"] = str(tmp_path)
    code = "import json, os\n" + textwrap.dedent(script)
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=120
    )


def test_production_settings_never_load_a_simulator_or_the_demo(tmp_path: Path) -> None:
    started = _run(STARTED, tmp_path)
    refused = {
        "in base": _run(IN_BASE, tmp_path),
        **{
            f"{app} added": _run(ADDED_AFTER.replace("ADDED_APP", repr(app)), tmp_path)
            for app in ["madoguchi.simulators.idp", "madoguchi.demo"]
        },
    }

    assert started.returncode == 0, started.stderr
    loaded = json.loads(started.stdout)
    assert [app for app in loaded["apps"] if app.startswith(DEVELOPMENT_ONLY)] == []
    assert loaded["switches"] == [False, False]
    assert loaded["simulator_urls"] is False
    for case, result in refused.items():
        assert result.returncode != 0, case
        refusal = result.stderr.strip().splitlines()[-1]
        assert refusal.startswith("django.core.exceptions.ImproperlyConfigured"), (case, refusal)
        assert "development-only apps" in refusal or "Remove it from INSTALLED_APPS" in refusal
