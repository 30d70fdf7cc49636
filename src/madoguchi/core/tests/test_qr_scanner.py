"""The camera QR scanner: the vendored reader is the pinned npm package's, byte for byte; its
page alone may compile WebAssembly; its texts come from the server in the page's language; and
production's hashed static files still find the reader's module, its import and its .wasm."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils import translation

from madoguchi.core.csp import WASM_SCRIPT_SOURCE, allow_webassembly, allows_webassembly
from madoguchi.core.templatetags.qr_scanner import READER_MODULE, READER_WASM
from madoguchi.settings import base

REPO = Path(__file__).resolve().parents[4]
NODE_PACKAGE = REPO / "node_modules" / "zxing-wasm"
VENDORED = Path(__file__).resolve().parents[1] / "static" / "vendor" / "zxing-wasm"


def pinned_version() -> str:
    return str(json.loads((REPO / "package.json").read_text())["devDependencies"]["zxing-wasm"])


def vendored_files() -> list[Path]:
    return sorted(
        path.relative_to(VENDORED)
        for path in VENDORED.rglob("*")
        if path.is_file() and path.name != "README.md"
    )


def test_the_package_is_pinned_to_an_exact_version_and_the_readme_names_it() -> None:
    version = pinned_version()

    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert f"zxing-wasm {version}" in (VENDORED / "README.md").read_text()
    assert f'"{version}"' in (VENDORED / "dist" / "es" / "share.js").read_text()


def test_the_vendored_reader_is_byte_for_byte_the_pinned_npm_package() -> None:
    if not NODE_PACKAGE.exists():
        pytest.fail("zxing-wasm is missing from node_modules: run `npm ci` (make test does)")
    installed = json.loads((NODE_PACKAGE / "package.json").read_text())["version"]
    assert installed == pinned_version(), "node_modules is stale: run `npm ci`"

    files = vendored_files()

    assert {str(path) for path in files} == {
        "LICENSE",
        "dist/es/reader/index.js",
        "dist/es/share.js",
        "dist/reader/zxing_reader.wasm",
    }
    for path in files:
        assert (VENDORED / path).read_bytes() == (NODE_PACKAGE / path).read_bytes(), path


def test_the_reader_and_its_wasm_are_found_by_the_static_files_finders() -> None:
    assert finders.find(READER_MODULE)
    assert finders.find(READER_WASM)
    assert finders.find("vendor/zxing-wasm/dist/es/share.js")  # the module's one import
    assert finders.find("madoguchi/qr-scanner.js")


def test_the_script_points_the_reader_at_our_wasm_and_never_at_a_cdn() -> None:
    script = Path(str(finders.find("madoguchi/qr-scanner.js"))).read_text()

    assert "locateFile" in script
    assert "prepareZXingModule" in script
    assert "http" not in script.replace("HTMLDialogElement", "")


def test_allow_webassembly_adds_the_keyword_to_script_src_and_keeps_other_updates() -> None:
    response = HttpResponse()
    response._csp_update = {"img-src": ["blob:"], "script-src": "'self'"}  # type: ignore[attr-defined]

    allow_webassembly(allow_webassembly(response))

    assert response._csp_update == {  # type: ignore[attr-defined]
        "img-src": ["blob:"],
        "script-src": ["'self'", WASM_SCRIPT_SOURCE],
    }


def test_a_view_marked_allows_webassembly_sends_it_in_its_policy(rf: RequestFactory) -> None:
    @allows_webassembly
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    response = CSPMiddleware(view)(rf.get("/"))
    assert isinstance(response, HttpResponse)

    policy = response["Content-Security-Policy"].split("; ")
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    assert "default-src 'self'" in policy  # the rest of the site policy is kept


@pytest.mark.parametrize(
    ("language", "button", "refused"),
    [
        ("ja", "カメラで読み取る", "ブラウザーがカメラを使えません。"),
        ("en", "Scan with camera", "The browser may not use the camera."),
    ],
)
def test_the_input_carries_the_readers_urls_and_its_texts_in_the_pages_language(
    language: str, button: str, refused: str
) -> None:
    template = Template("{% load qr_scanner %}<input id=scan {% qr_scan_attributes %}>")

    with translation.override(language):
        html = template.render(Context())

    assert " data-qr-scan=" in html
    assert f'data-qr-reader="/static/{READER_MODULE}"' in html
    assert f'data-qr-wasm="/static/{READER_WASM}"' in html
    assert f'data-qr-open="{button}"' in html
    assert f'data-qr-denied="{refused}' in html
    for name in ("title", "hint", "close", "video", "starting", "scanning", "found"):
        assert f"data-qr-{name}=" in html
    assert "data-qr-no-camera=" in html
    assert "data-qr-failed=" in html


def test_the_assets_are_a_module_script_and_a_stylesheet_of_our_own() -> None:
    html = Template("{% load qr_scanner %}{% qr_scanner_assets %}").render(Context())

    assert '<script type="module" src="/static/madoguchi/qr-scanner.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/madoguchi/qr-scanner.css">' in html


@pytest.fixture
def collected(tmp_path: Path) -> Iterator[Path]:
    """`collectstatic` with the production storage (hashed names; compressing the 1 MB .wasm
    with brotli would take seconds, and test_static_files checks compression)."""
    with override_settings(
        STATIC_ROOT=tmp_path,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=["wasm", "js", "css", "svg", "md", "txt"],
        STORAGES=settings.STORAGES | {"staticfiles": base.STORAGES["staticfiles"]},
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield tmp_path


def test_in_production_the_hashed_reader_still_finds_its_import_and_the_wasm(
    collected: Path,
) -> None:
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    html = Template("{% load qr_scanner %}<input {% qr_scan_attributes %}>").render(Context())
    module = paths[READER_MODULE]
    wasm = paths[READER_WASM]

    assert module != READER_MODULE
    assert f'data-qr-reader="/static/{module}"' in html
    assert f'data-qr-wasm="/static/{wasm}"' in html
    # The module imports "../share.js" relative to its own (hashed) name.
    assert 'from "../share.js"' in (collected / module).read_text()
    assert (collected / Path(module).parent.parent / "share.js").is_file()
    assert (collected / wasm).is_file()
