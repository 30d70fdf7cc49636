"""The resident display beside the clerk's panel: pair with the code, the clerk shows an
application, the resident reads it in large type and confirms; the card read relayed from
the (stubbed) card agent on loopback to the server. axe on both sides, every rule on (no page
refreshes itself on a timer); without JavaScript the display's button brings it up to date."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding

from madoguchi.counter import display
from madoguchi.counter.models import ApplicationState, Assurance, Visit, VisitApplication
from madoguchi.counter.tests.card_helpers import a_counter, read_items
from madoguchi.e2e.tests.conftest import _csp_violations, assert_accessible, screenshot
from madoguchi.e2e.tests.test_mail_intake import log_in
from madoguchi.simulators.idp import authorities
from madoguchi.simulators.idp.residents import get_resident

pytestmark = pytest.mark.browser

AGENT = "http://127.0.0.1:47120"


@pytest.fixture
def clerk_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


@pytest.fixture
def display_page(browser: Any) -> Iterator[Any]:
    """The resident display: a second browser context (its own cookies), tablet-sized."""
    context = browser.new_context(viewport={"width": 1024, "height": 1366}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def _stub_agent(page: Any, base: str, resident_id: str) -> list[dict[str, Any]]:
    """Answer the card agent's API on loopback as the agent would with this resident's card
    (the nonce signed by the card's authentication key); returns the requests it saw."""
    seen: list[dict[str, Any]] = []
    card = authorities.card(get_resident(resident_id))
    cors = {
        "Access-Control-Allow-Origin": base,
        "Access-Control-Allow-Headers": "authorization, content-type",
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Private-Network": "true",
        "Vary": "Origin",
    }

    def answer(route: Any) -> None:
        request = route.request
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
            return
        if request.url.endswith("/v1/status"):
            body: dict[str, Any] = {
                "agent": "madoguchi-counter-agent",
                "version": 1,
                "reader": "Virtual PCD 00 00",
                "card": True,
                "card_info_pin_tries": 3,
                "auth_pin_tries": 3,
                "signing_password_tries": 5,
            }
        elif request.url.endswith("/v1/sign"):
            sent = json.loads(request.post_data or "{}")
            seen.append(sent)
            body = {
                "certificate": base64.b64encode(
                    card.signing_certificate.public_bytes(Encoding.DER)
                ).decode(),
                "ca_certificate": None,
                "signature": base64.b64encode(
                    card.signing_key.sign(
                        bytes.fromhex(sent["sha256"]),
                        padding.PKCS1v15(),
                        Prehashed(hashes.SHA256()),
                    )
                ).decode(),
            }
        else:
            sent = json.loads(request.post_data or "{}")
            seen.append(sent)
            nonce = bytes.fromhex(sent["nonce"])
            body = {
                "items": read_items(resident_id),
                "integrity": "ok",
                "auth_certificate": base64.b64encode(
                    card.auth_certificate.public_bytes(Encoding.DER)
                ).decode(),
                "auth_ca_certificate": None,
                "nonce_signature": base64.b64encode(
                    card.auth_key.sign(nonce, padding.PKCS1v15(), hashes.SHA256())
                ).decode(),
            }
        route.fulfill(
            status=200, headers=cors, content_type="application/json", body=json.dumps(body)
        )

    page.route(f"{AGENT}/**", answer)
    return seen


def test_pair_show_and_confirm_with_the_display_in_a_second_page(
    transactional_db: None, live_server: Any, clerk_page: Any, display_page: Any
) -> None:
    counter = a_counter()
    base = live_server.url
    panel = f"{base}/staff/counter/visits/{counter.visit.pk}/display/"
    log_in(clerk_page, base, counter.clerk)

    display_page.goto(f"{base}/counter/display/")
    assert_accessible(display_page, name="display pairing")
    clerk_page.goto(panel)
    clerk_page.get_by_role("button", name="接続コードを表示").click()
    code = clerk_page.get_by_test_id("display-code").inner_text()
    display_page.fill("#code", code)
    display_page.get_by_role("button", name="接続する").click()
    display_page.wait_for_selector("h1:has-text('お待ちください')")
    assert_accessible(display_page, name="display waiting")
    assert display_page.locator("meta[http-equiv=refresh i]").count() == 0

    clerk_page.goto(panel)
    clerk_page.get_by_test_id("display-paired").wait_for()
    assert_accessible(clerk_page, name="display panel")
    clerk_page.get_by_test_id("display-show").click()
    display_page.wait_for_selector("[data-testid=display-confirm]", timeout=10_000)
    assert display_page.locator("text=就職").is_visible()
    size = display_page.evaluate("getComputedStyle(document.body).fontSize")
    assert float(size.removesuffix("px")) >= 24
    assert_accessible(display_page, name="display confirm")
    screenshot(display_page, "counter-display-confirm")
    display_page.get_by_test_id("display-confirm").click()
    display_page.wait_for_selector("text=ありがとうございました")
    assert_accessible(display_page, name="display thank you")

    application = VisitApplication.objects.get(pk=counter.application.pk)
    assert application.state == ApplicationState.CONFIRMED


def test_card_read_and_signature_go_from_the_display_to_the_agent_and_on_to_the_server(
    transactional_db: None, live_server: Any, clerk_page: Any, display_page: Any
) -> None:
    counter = a_counter()
    base = live_server.url
    panel = f"{base}/staff/counter/visits/{counter.visit.pk}/display/"
    log_in(clerk_page, base, counter.clerk)
    clerk_page.goto(panel)
    clerk_page.get_by_role("button", name="接続コードを表示").click()
    code = clerk_page.get_by_test_id("display-code").inner_text()
    display_page.goto(f"{base}/counter/display/")
    display_page.fill("#code", code)
    display_page.get_by_role("button", name="接続する").click()
    display_page.wait_for_selector("h1:has-text('お待ちください')")
    seen = _stub_agent(display_page, base, "kaga-taro")

    clerk_page.goto(panel)
    clerk_page.get_by_role("button", name="カードを読み取る").click()
    display_page.wait_for_selector("#pin", timeout=10_000)
    assert_accessible(display_page, name="display PIN")
    display_page.fill("#pin", "1234")
    display_page.get_by_role("button", name="カードを読み取る").click()
    display_page.wait_for_selector("h1:has-text('お待ちください')", timeout=10_000)

    visit = Visit.objects.get(pk=counter.visit.pk)
    assert visit.assurance == Assurance.CARD
    assert seen and seen[0]["pin"] == "1234"
    clerk_page.goto(panel)
    clerk_page.get_by_test_id("card-read-done").wait_for()

    # The card's name is now the application's: the resident confirms, then signs.
    clerk_page.get_by_test_id("display-show").click()
    display_page.wait_for_selector("[data-testid=display-confirm]", timeout=10_000)
    assert display_page.locator("text=加賀　太郎").is_visible()
    display_page.get_by_test_id("display-confirm").click()
    display_page.wait_for_selector("text=ありがとうございました")
    clerk_page.goto(panel)
    clerk_page.get_by_role("button", name="カードで署名").click()
    # The thank-you page goes back to the display by itself once the clerk moves on.
    display_page.wait_for_selector("#password", timeout=10_000)
    assert_accessible(display_page, name="display signing password")
    display_page.fill("#password", "kaga1975")
    display_page.get_by_role("button", name="署名する").click()
    display_page.wait_for_selector("text=受付番号", timeout=10_000)
    screenshot(display_page, "counter-display-signed")

    application = VisitApplication.objects.get(pk=counter.application.pk)
    assert application.state == ApplicationState.SUBMITTED
    assert application.submission is not None
    assert application.submission.document_sha256 == seen[-1]["sha256"]
    assert seen[-1]["password"] == "KAGA1975"


def test_without_javascript_the_refresh_button_brings_the_display_up_to_date(
    transactional_db: None, live_server: Any, browser: Any
) -> None:
    counter = a_counter()
    base = live_server.url
    context = browser.new_context(
        viewport={"width": 1024, "height": 1366}, locale="ja-JP", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{base}/counter/display/")
    page.fill("#code", display.start_pairing(visit=counter.visit))
    page.get_by_role("button", name="接続する").click()
    page.wait_for_selector("h1:has-text('お待ちください')")
    assert page.locator("meta[http-equiv=refresh i]").count() == 0
    assert page.get_by_text("JavaScript が有効なら").is_visible()
    # axe itself needs scripts (its run never ends in a page without them): the same
    # waiting page is checked with JavaScript on in the test above.
    button = page.get_by_role("link", name="最新の状態にする")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44

    display.show_for_confirmation(application=counter.application)
    button.click()
    page.get_by_test_id("display-confirm").click()
    page.wait_for_selector("text=ありがとうございました")
    page.get_by_role("link", name="表示に戻る").click()
    page.wait_for_selector("h1:has-text('お待ちください')")
    context.close()

    application = VisitApplication.objects.get(pk=counter.application.pk)
    assert application.state == ApplicationState.CONFIRMED
