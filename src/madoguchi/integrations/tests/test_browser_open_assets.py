"""The HPKE the browser uses to open sealed applications: the vendored ES modules are the pinned
npm packages' (@hpke/core, @hpke/common), with only the bare import of the sibling package made
relative (scripts/vendor-hpke.py); the page's script reaches them through the static files."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings

from madoguchi.settings import base

REPO = Path(__file__).resolve().parents[4]
NODE = REPO / "node_modules" / "@hpke"
VENDORED = REPO / "src" / "madoguchi" / "static" / "madoguchi" / "vendor" / "hpke"
PACKAGES = ("core", "common")
BARE_IMPORT = re.compile(r'^((?:import|export) .* from )"@hpke/common";$', re.MULTILINE)
BARE_SPECIFIER = re.compile(r'^(?:import|export) .* from "(?![./])', re.MULTILINE)


def pinned(package: str) -> str:
    return str(json.loads((REPO / "package.json").read_text())["devDependencies"][package])


def expected(package: str, relative: Path) -> str:
    """The npm module as vendored (the same rule as scripts/vendor-hpke.py)."""
    text = (NODE / package / "esm" / relative).read_text(encoding="utf-8")
    here = (VENDORED / package / "esm" / relative).parent
    target = os.path.relpath(VENDORED / "common" / "esm" / "mod.js", here)
    return BARE_IMPORT.sub(lambda match: f'{match.group(1)}"{target}";', text)


@pytest.mark.parametrize("package", PACKAGES)
def test_the_packages_are_pinned_and_the_vendored_copy_names_the_same_version(
    package: str,
) -> None:
    version = pinned(f"@hpke/{package}")

    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    vendored = json.loads((VENDORED / package / "package.json").read_text())
    assert vendored["version"] == version
    assert (VENDORED / package / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.parametrize("package", PACKAGES)
def test_the_vendored_modules_are_the_npm_packages_but_for_the_sibling_import(
    package: str,
) -> None:
    if not NODE.exists():
        pytest.fail("@hpke is missing from node_modules: run `npm ci` (make test does)")
    installed = json.loads((NODE / package / "package.json").read_text())["version"]
    assert installed == pinned(f"@hpke/{package}"), "node_modules is stale: run `npm ci`"
    root = NODE / package / "esm"
    sources = sorted(path.relative_to(root) for path in root.rglob("*.js"))
    vendored = sorted(
        path.relative_to(VENDORED / package / "esm")
        for path in (VENDORED / package / "esm").rglob("*")
        if path.is_file()
    )

    assert vendored == sources
    for relative in sources:
        text = (VENDORED / package / "esm" / relative).read_text(encoding="utf-8")
        assert text == expected(package, relative), relative
        # No statement left that a browser cannot resolve (a bare package name).
        assert not BARE_SPECIFIER.search(text), relative


def test_the_page_script_and_the_hpke_module_are_found_by_the_static_files_finders() -> None:
    script = Path(str(finders.find("madoguchi/browser-open.js"))).read_text()

    assert finders.find("madoguchi/vendor/hpke/core/esm/mod.js")
    assert finders.find("madoguchi/vendor/hpke/common/esm/mod.js")
    # The module comes from the page (a data attribute, the static URL), never from a CDN,
    # and nothing is sent: the only requests are the page's own GETs.
    assert "http" not in script
    assert "method:" not in script and "POST" not in script
    assert "eval(" not in script and "new Function" not in script


@pytest.fixture
def collected(tmp_path: Path) -> Iterator[Path]:
    """`collectstatic` with the production storage (hashed names; no compression, which
    test_static_files checks)."""
    with override_settings(
        STATIC_ROOT=tmp_path,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=["wasm", "js", "css", "svg", "md", "txt", "json"],
        STORAGES=settings.STORAGES | {"staticfiles": base.STORAGES["staticfiles"]},
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield tmp_path


def test_in_production_the_hashed_hpke_module_still_finds_its_relative_imports(
    collected: Path,
) -> None:
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    module = paths["madoguchi/vendor/hpke/core/esm/mod.js"]
    with override_settings(
        STORAGES=settings.STORAGES | {"staticfiles": base.STORAGES["staticfiles"]},
        STATIC_ROOT=collected,
    ):
        url = Template("{% load static %}{% static 'madoguchi/vendor/hpke/core/esm/mod.js' %}")

        assert url.render(Context()) == f"/static/{module}"
    # The module imports "./src/…" and "../../common/esm/mod.js" relative to its own (hashed)
    # name: the unhashed files are collected beside it.
    text = (collected / module).read_text()
    assert 'from "./src/native.js"' in text
    assert (collected / Path(module).parent / "src" / "native.js").is_file()
    assert (collected / "madoguchi/vendor/hpke/common/esm/mod.js").is_file()
