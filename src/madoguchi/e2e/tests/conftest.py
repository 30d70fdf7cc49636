"""Browser fixtures: Debian's chromium (no browser download), axe-core from node_modules."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[4]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def other_origin(url: str) -> str:
    """The same server under its other loopback name: another origin (and site) for the
    browser, so a flow through it crosses origins like the real identity service."""
    parts = urlsplit(url)
    other = "127.0.0.1" if parts.hostname == "localhost" else "localhost"
    return f"{parts.scheme}://{other}:{parts.port}"


@pytest.fixture
def identity_provider_url(live_server: Any) -> str:
    """Where devidp is reached: never the origin of the pages the browser opens.

    The real Digital Authentication App is always on another origin
    (auth-and-sign.go.jp); a same-origin simulator hid a Content-Security-Policy
    (form-action) that dropped the redirect to it.
    """
    return other_origin(live_server.url)


@pytest.fixture
def demo(transactional_db: None, live_server: Any, identity_provider_url: str) -> None:
    """The demo data, with every city's identity provider on another origin than the app."""
    from django.core import mail
    from django.core.management import call_command

    from madoguchi.demo.services import connect_demo_identity_providers

    call_command("demo", "--reset", verbosity=0)
    connect_demo_identity_providers(live_server.url, idp_url=identity_provider_url)
    mail.outbox.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install chromium (see .ci/run)")
    # Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
    # make themselves (fixtures, assertions) are still synchronous and safe. Browser tests
    # run in their own pytest process (Makefile), so this never reaches other tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A phone-sized page (iPhone 14 viewport), Japanese locale, JavaScript on."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ja-JP",
        bypass_csp=False,
    )
    page = context.new_page()
    refused = _csp_violations(page)
    yield page
    context.close()
    # A form (or its redirect) the page's own policy refused goes nowhere, silently.
    assert not refused, f"Content-Security-Policy refused: {refused}"


def _csp_violations(page: Any) -> list[str]:
    found: list[str] = []

    def listen(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", listen)
    return found


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", java_script_enabled=False
    )
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page: Any, *, name: str) -> None:
    """Run axe-core (WCAG 2.x A/AA rules) on the page; fail listing each violation.

    axe is evaluated as a function body rather than injected as a <script>, so the
    page's own Content-Security-Policy stays on during the test.
    """
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    source = AXE.read_text(encoding="utf-8")
    # A click on a link returns once the navigation has started: axe must read the new page
    # once it has loaded, not the half-parsed one (CI once saw document.documentElement null).
    page.wait_for_load_state("load")
    page.evaluate(f"() => {{ if (!window.axe) {{ {source}\n window.axe = axe; }} }}")
    result = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}
        })"""
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert not problems, f"axe violations on {name}:\n" + "\n".join(problems)


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def doc_screenshot(page: Any, name: str, *, down_to: str | None = None) -> None:
    """The page in test-artifacts/, and a small copy for the docs in docs/images/: CSS pixels
    (not a phone's 2x), 256 colours, and cut below the element ``down_to`` if given."""
    import io

    from PIL import Image

    screenshot(page, name)
    clip = None
    if down_to is not None:
        box = page.locator(down_to).bounding_box()
        assert box is not None
        width = page.evaluate("document.documentElement.clientWidth")
        clip = {"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 16}
    png = page.screenshot(full_page=True, scale="css", clip=clip)
    images = REPO / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    image.save(images / f"{name}.png", optimize=True)


def log_in_demo_staff(page: Any, base: str, username: str) -> None:
    """Log a demo staff member in: password, then the authenticator's current code."""
    from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
    from madoguchi.testing.staff import code_for

    page.goto(f"{base}/staff/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for(demo_totp_key(username)))
    page.locator("form button[type=submit]").last.click()
