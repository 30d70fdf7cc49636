"""Static files in production: hashed names, gzip and brotli copies, cached for good."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import resolve, reverse

from madoguchi.settings import base
from madoguchi.submissions.tests.test_views import APPLICANT_PAGE

PRODUCTION_STORAGE = base.STORAGES["staticfiles"]


@pytest.fixture
def collected(tmp_path: Path) -> Iterator[Path]:
    """`collectstatic` with the production storage, and the site serving its result."""
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES=settings.STORAGES | {"staticfiles": PRODUCTION_STORAGE},
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield tmp_path


def _manifest(root: Path) -> dict[str, Any]:
    return dict(json.loads((root / "staticfiles.json").read_text())["paths"])


def test_production_uses_hashed_compressed_static_files() -> None:
    assert PRODUCTION_STORAGE["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_collectstatic_writes_hashed_names_with_gzip_and_brotli_copies(collected: Path) -> None:
    hashed = _manifest(collected)["madoguchi/app.css"]

    assert hashed != "madoguchi/app.css"
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file()
    assert (collected / f"{hashed}.br").is_file()


@pytest.mark.django_db
def test_pages_link_the_hashed_files_and_browsers_keep_them_for_a_year(
    collected: Path,
) -> None:
    browser = Client()
    page = browser.get(reverse("submissions:home"))
    hashed = _manifest(collected)["madoguchi/app.css"]

    assert f"/static/{hashed}" in page.text
    asset = browser.get(f"/static/{hashed}", headers={"accept-encoding": "br, gzip"})
    assert asset.status_code == 200
    assert asset["Content-Encoding"] == "br"
    max_age = int(asset["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 60 * 60
    assert "immutable" in asset["Cache-Control"]


@pytest.mark.django_db
def test_the_conditions_script_loads_only_on_steps_that_have_a_condition(
    form_version: Any,
) -> None:
    browser = Client()
    home = browser.get(reverse("submissions:home"))
    started = browser.post(
        reverse(
            "submissions:form_start",
            args=[form_version.form.municipality.lg_code, form_version.form.slug],
        )
    )
    token = resolve(started.url).kwargs["token"]

    applicant = browser.get(reverse("submissions:step", kwargs={"token": token, "number": 1}))
    browser.post(reverse("submissions:step", kwargs={"token": token, "number": 1}), APPLICANT_PAGE)
    details = browser.get(reverse("submissions:step", kwargs={"token": token, "number": 2}))

    assert "vendor/logic.js" not in home.text
    assert "vendor/logic.js" not in applicant.text  # 氏名, フリガナ, email: no rules
    assert "vendor/logic.js" in details.text  # 利用するツール: shown when 方法 is online
