"""The counter channel in a browser: a resident pre-registers on a phone (channel choice,
the same questions, 「窓口で手続きするために事前登録」, the page with the code); a clerk brings
it up by a typed scan, records a visual identity check, corrects an answer with a reason,
the resident's confirmation (here through the service, as the display records it), accepts,
and the application is in the inbox tagged 「窓口」. axe on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from madoguchi.counter import reference
from madoguchi.counter.models import Preregistration, VisitApplication
from madoguchi.submissions.models import Channel, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing import counter as counter_data

from .conftest import assert_accessible, screenshot
from .test_mail_intake import FOCUSED_ON_SCAN, log_in

pytestmark = pytest.mark.browser

GROUPED = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page in the session's one browser (see conftest: one Playwright per process)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def test_a_resident_pre_registers_on_a_phone(
    transactional_db: None, live_server: Any, phone_page: Any
) -> None:
    version = counter_data.counter_form()
    form = version.form
    page = phone_page
    page.goto(f"{live_server.url}/{form.municipality.lg_code}/{form.slug}/")
    expect(page.get_by_role("radio", name="窓口で")).to_be_visible()
    assert_accessible(page, name="counter channel choice")
    page.get_by_role("radio", name="窓口で").check()
    page.get_by_role("button", name="次へ").click()
    expect(page.get_by_test_id("counter-steps")).to_be_visible()
    assert_accessible(page, name="counter form start")
    page.get_by_role("button", name="申請を始める").click()

    page.fill("#field-name", "加賀 太郎")
    page.fill("#field-name_kana", "カガ タロウ")
    page.get_by_role("button", name="次へ").first.click()
    page.locator("input[name=method][value=visit]").check()
    page.fill("#field-count", "2")
    page.get_by_role("button", name="次へ").first.click()

    button = page.get_by_role("button", name="窓口で手続きするために事前登録")
    expect(button).to_be_visible()
    assert_accessible(page, name="counter review")
    button.click()

    expect(page.get_by_test_id("prereg-code").locator("svg")).to_be_visible()
    prereg = Preregistration.objects.get()
    expect(page.get_by_test_id("prereg-reference")).to_contain_text(
        reference.grouped(prereg.reference)
    )
    assert GROUPED.match(reference.grouped(prereg.reference))
    expect(page.get_by_test_id("prereg-bring")).to_contain_text("印鑑登録証")
    assert_accessible(page, name="counter pre-registration")
    screenshot(page, "counter-preregistered-phone")
    with page.expect_download() as download:
        page.get_by_test_id("prereg-png").click()
    assert download.value.path().read_bytes()[:4] == b"\x89PNG"


def test_a_clerk_checks_in_by_a_typed_scan_corrects_checks_identity_and_accepts(
    transactional_db: None, live_server: Any, page: Any
) -> None:
    prereg, _token = counter_data.preregistration()
    clerk: StaffMember = counter_data.clerk(prereg.department)
    base = live_server.url
    log_in(page, base, clerk)

    page.goto(f"{base}/staff/counter/")
    page.wait_for_function(FOCUSED_ON_SCAN)
    assert_accessible(page, name="counter screen")
    # A keyboard-wedge scanner types the code's text and presses Enter.
    page.keyboard.type(reference.payload(prereg.reference))
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/counter/visits/**")
    expect(page.get_by_test_id("counter-application")).to_contain_text("加賀 太郎")
    assert_accessible(page, name="counter visit")
    screenshot(page, "counter-visit")

    # Identity: documents shown, checked by eye.
    page.get_by_label("運転免許証").check()
    page.get_by_role("button", name="提示書類を記録").click()
    expect(page.get_by_test_id("counter-assurance")).to_contain_text("窓口・目視確認")

    # A correction with the resident: an error first (no reason), then saved.
    page.get_by_test_id("edit-answers").click()
    page.fill("#field-count", "3")
    page.get_by_role("button", name="修正を保存").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#field-count")).to_have_value("3")
    assert_accessible(page, name="counter edit with an error")
    page.fill("#id_reason", "本人の申し出")
    page.get_by_role("button", name="修正を保存").click()
    page.wait_for_url("**/staff/counter/visits/**")
    application = VisitApplication.objects.get()
    assert application.answers["count"] == 3
    assert application.edits.get().reason == "本人の申し出"

    # Not confirmed yet: accept is refused and says why.
    page.get_by_test_id("accept").click()
    expect(page.locator(".notice-error")).to_be_visible()
    assert not Submission.objects.exists()
    # The resident confirms on the display (its own test drives it); here, as it records it.
    counter_data.confirm(application)
    page.reload()
    expect(page.get_by_test_id("confirmed")).to_be_visible()
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("application-receipt")).to_be_visible()
    assert_accessible(page, name="counter visit accepted")
    submission = Submission.objects.get()
    assert submission.channel == Channel.COUNTER

    page.goto(f"{base}/staff/")
    expect(page.get_by_test_id("channel-counter")).to_have_text("窓口")
    assert_accessible(page, name="inbox with a counter application")
    page.goto(f"{base}/staff/submissions/{submission.receipt_number}/")
    expect(page.get_by_test_id("channel-counter")).to_have_text("窓口")


def test_an_unknown_number_is_refused_at_the_input(
    transactional_db: None, live_server: Any, page: Any
) -> None:
    clerk = counter_data.clerk()
    base = live_server.url
    log_in(page, base, clerk)

    page.goto(f"{base}/staff/counter/")
    page.wait_for_function(FOCUSED_ON_SCAN)
    page.keyboard.type("K7QM-4XPD")
    page.keyboard.press("Enter")

    expect(page.locator("#scan-error")).to_contain_text("この番号の事前登録はありません")
    expect(page.locator("#scan")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, name="counter screen refusal")
