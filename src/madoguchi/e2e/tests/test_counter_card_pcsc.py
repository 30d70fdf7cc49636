"""The counter's card path end to end with nothing stubbed: Chromium → the card agent
(served in-process on a free loopback port, the live server's origin allowed) → pyscard →
a real pcscd → vsmartcard's vpcd → the demo resident's virtual My Number Card.

The clerk checks in a pre-registration by a typed scan, pairs the resident display (a
second window of the same browser, as on the counter PC: it shares the agent settings the
clerk saved in localStorage), and starts the card read; the resident types a wrong PIN
first, then the right one; the visit is 窓口・カード読取 with the card's four items; the
resident confirms, the clerk starts signing, the resident types the signing password, and
the submission is in the inbox tagged 「窓口」 with evidence that verifies again. A revoked
card is refused at the display with a message saying so. Screenshots go to docs/images/
only when the whole path passed.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from madoguchi.counter import reference
from madoguchi.counter.agent.card import PcscConnector
from madoguchi.counter.agent.server import Agent, AgentHTTPServer
from madoguchi.counter.models import ApplicationState, Assurance, Visit, VisitApplication
from madoguchi.signatures import services as signature_services
from madoguchi.simulators.card import card_for
from madoguchi.simulators.card.card import REVOKED_RESIDENT, revoked_card
from madoguchi.simulators.card.testing import VirtualReader, pcscd, virtual_reader  # noqa: F401
from madoguchi.simulators.idp.residents import get_resident
from madoguchi.submissions.models import Channel, Submission
from madoguchi.testing import counter as counter_data

from .conftest import REPO, _csp_violations, assert_accessible, screenshot
from .test_mail_intake import FOCUSED_ON_SCAN, log_in

pytestmark = [pytest.mark.browser, pytest.mark.pcsc]

RESIDENT = "kaga-taro"
TOKEN = "e2e-" + "k" * 39
DOC_IMAGES = REPO / "docs" / "images"


@pytest.fixture
def agent_url(live_server: Any, virtual_reader: VirtualReader) -> Iterator[str]:  # noqa: F811
    """The real agent on a free loopback port, talking PC/SC to the test's vpcd reader."""
    agent = Agent(
        connector=PcscConnector(virtual_reader.reader_name),
        token=TOKEN,
        origins=frozenset({live_server.url}),
    )
    server = AgentHTTPServer(agent, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def counter_pc(browser: Any) -> Iterator[Any]:
    """The counter PC's browser: the clerk's window and the resident display's window share
    cookies and localStorage, as two windows of one browser do."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    pages = [context.new_page() for _ in range(2)]
    refused = [_csp_violations(page) for page in pages]
    yield pages
    context.close()
    seen = [message for found in refused for message in found]
    assert not seen, f"Content-Security-Policy refused: {seen}"


def _check_in_and_pair(base: str, clerk_page: Any, display_page: Any, agent_url: str) -> Visit:
    prereg, _token = counter_data.preregistration()
    clerk = counter_data.clerk(prereg.department)
    log_in(clerk_page, base, clerk)

    # The agent's address and token, once per browser (the agent printed the token).
    clerk_page.goto(f"{base}/staff/counter/card/agent/")
    clerk_page.fill("#agent-url", agent_url)
    clerk_page.fill("#agent-token", TOKEN)
    clerk_page.get_by_role("button", name="このブラウザーに保存").click()
    expect(clerk_page.locator("#agent-settings-status")).to_contain_text("保存しました")
    clerk_page.get_by_role("button", name="接続を確かめる").click()
    expect(clerk_page.locator("#agent-settings-status")).to_contain_text("Virtual PCD")

    clerk_page.goto(f"{base}/staff/counter/")
    clerk_page.wait_for_function(FOCUSED_ON_SCAN)
    clerk_page.keyboard.type(reference.payload(prereg.reference))
    clerk_page.keyboard.press("Enter")
    clerk_page.wait_for_url("**/staff/counter/visits/**")
    visit = Visit.objects.get(applications__preregistration=prereg)

    clerk_page.get_by_role("button", name="接続コードを表示").click()
    code = clerk_page.get_by_test_id("display-code").inner_text()
    display_page.goto(f"{base}/counter/display/")
    display_page.fill("#code", code)
    display_page.get_by_role("button", name="接続する").click()
    display_page.wait_for_selector("h1:has-text('お待ちください')")
    return visit


def _reverified(submission: Submission) -> bool:
    """``signatures.services.reverify`` outside Playwright's event loop (path validation
    runs its own loop), in a thread with its own database connection."""

    def check() -> bool:
        try:
            return signature_services.reverify(submission) is not None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(check).result()


def _read_the_card(clerk_page: Any, display_page: Any) -> None:
    clerk_page.reload()
    clerk_page.get_by_role("button", name="カードを読み取る").click()
    display_page.wait_for_selector("#pin", timeout=10_000)


def test_card_read_confirm_and_sign_through_the_real_agent_and_pcscd(
    transactional_db: None,
    live_server: Any,
    counter_pc: Any,
    agent_url: str,
    virtual_reader: VirtualReader,  # noqa: F811
) -> None:
    clerk_page, display_page = counter_pc
    base = live_server.url
    resident = get_resident(RESIDENT)
    virtual_reader.insert(card_for(RESIDENT))
    visit = _check_in_and_pair(base, clerk_page, display_page, agent_url)
    shots = []

    _read_the_card(clerk_page, display_page)
    assert_accessible(display_page, name="display PIN (real agent)")
    shots.append(screenshot(display_page, "counter-card-pin"))

    # A wrong PIN first: the card counts it, the display says how many tries are left.
    display_page.fill("#pin", "0000")
    display_page.get_by_role("button", name="カードを読み取る").click()
    expect(display_page.locator("#card-status")).to_contain_text("あと2回", timeout=15_000)
    assert Visit.objects.get(pk=visit.pk).assurance != Assurance.CARD

    display_page.fill("#pin", resident.auth_pin)
    display_page.get_by_role("button", name="カードを読み取る").click()
    display_page.wait_for_selector("h1:has-text('お待ちください')", timeout=15_000)

    visit = Visit.objects.get(pk=visit.pk)
    assert visit.assurance == Assurance.CARD
    assert set(visit.person) >= {"name", "address", "birth_date", "sex"}
    assert visit.person["name"].startswith("加賀")
    assert visit.person["birth_date"] == resident.birth_date.isoformat()
    assert visit.person["sex"] == "male"
    clerk_page.reload()
    clerk_page.get_by_test_id("card-read-done").wait_for()
    expect(clerk_page.get_by_test_id("counter-assurance")).to_contain_text("窓口・カード読取")
    expect(clerk_page.get_by_test_id("counter-person")).to_contain_text(visit.person["address"])
    shots.append(screenshot(clerk_page, "counter-card-visit"))

    # The resident confirms the answers, then signs them with the card.
    clerk_page.get_by_test_id("display-show").click()
    display_page.wait_for_selector("[data-testid=display-confirm]", timeout=10_000)
    display_page.get_by_test_id("display-confirm").click()
    display_page.wait_for_selector("text=ありがとうございました")
    clerk_page.reload()
    clerk_page.get_by_role("button", name="カードで署名").click()
    display_page.wait_for_selector("#password", timeout=15_000)
    assert_accessible(display_page, name="display signing password (real agent)")
    display_page.fill("#password", resident.sign_pin.lower())
    display_page.get_by_role("button", name="署名する").click()
    expect(display_page.locator("#card-status")).to_contain_text("受付番号", timeout=20_000)
    # Shown as done, not as a warning, with nothing left to type.
    expect(display_page.locator("#card-status")).to_have_class("notice notice-success")
    expect(display_page.locator("#password")).to_be_hidden()
    expect(display_page.get_by_role("button", name="署名する")).to_be_hidden()
    assert_accessible(display_page, name="display signed (real agent)")
    shots.append(screenshot(display_page, "counter-card-signed"))

    application = VisitApplication.objects.get(visit=visit)
    assert application.state == ApplicationState.SUBMITTED
    submission = application.submission
    assert submission is not None
    assert submission.channel == Channel.COUNTER
    assert submission.identity_level == Assurance.CARD
    assert _reverified(submission)

    clerk_page.goto(f"{base}/staff/")
    expect(clerk_page.get_by_test_id("channel-counter").first).to_have_text("窓口")
    clerk_page.goto(f"{base}/staff/submissions/{submission.receipt_number}/")
    expect(clerk_page.get_by_test_id("channel-counter")).to_have_text("窓口")

    # Only a passing path refreshes the documentation's pictures.
    DOC_IMAGES.mkdir(exist_ok=True)
    for shot in shots:
        shutil.copyfile(shot, DOC_IMAGES / Path(shot).name)


def test_a_revoked_card_is_refused_with_a_clear_message(
    transactional_db: None,
    live_server: Any,
    counter_pc: Any,
    agent_url: str,
    virtual_reader: VirtualReader,  # noqa: F811
) -> None:
    clerk_page, display_page = counter_pc
    virtual_reader.insert(revoked_card())
    visit = _check_in_and_pair(live_server.url, clerk_page, display_page, agent_url)

    _read_the_card(clerk_page, display_page)
    display_page.fill("#pin", get_resident(REVOKED_RESIDENT).auth_pin)
    display_page.get_by_role("button", name="カードを読み取る").click()

    # The resident is told in the resident's words; the clerk's page says why.
    expect(display_page.locator("#card-status")).to_contain_text(
        "このカードは使えませんでした。職員にお声がけください。", timeout=15_000
    )
    expect(display_page.locator("#card-status")).not_to_contain_text("本人確認書類")
    clerk_page.reload()
    expect(clerk_page.get_by_test_id("card-refusal")).to_contain_text("失効")
    assert Visit.objects.get(pk=visit.pk).assurance != Assurance.CARD
