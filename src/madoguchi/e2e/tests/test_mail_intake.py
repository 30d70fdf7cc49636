"""Staff take a mail-in paper in by a typed scan, and a second scan is refused (axe on each)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from madoguchi.e2e.tests.conftest import assert_accessible, screenshot
from madoguchi.mailin.tests.test_intake import mail_application
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import STAFF_PASSWORD, publish_form
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser

# The browser focuses an autofocus input once the page is shown, not at load: a scan typed
# before that would lose its first characters (a person waits for the cursor).
FOCUSED_ON_SCAN = "document.activeElement && document.activeElement.id === 'scan'"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page in the session's one browser (see conftest: one Playwright per process)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def test_a_typed_scan_is_taken_in_and_lands_in_the_inbox_tagged_by_post(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember
) -> None:
    version = publish_form(department=staff.departments.get())
    application = mail_application(version)
    base = live_server.url
    page.goto(f"{base}/staff/login/")
    page.fill("#username", staff.user.get_username())
    page.fill("#password", STAFF_PASSWORD)
    page.locator("button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("main button[type=submit]").click()

    page.goto(f"{base}/staff/mail/")
    page.wait_for_function(FOCUSED_ON_SCAN)
    assert_accessible(page, name="mail intake")
    # A keyboard-wedge scanner types the text and presses Enter.
    page.keyboard.type(application.reference)
    page.keyboard.press("Enter")
    page.wait_for_selector("main form[enctype]")
    assert "加賀 太郎" in page.content()
    assert_accessible(page, name="mail intake review")
    screenshot(page, "mail-intake-review")
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_url("**/staff/submissions/**")
    assert page.locator('[data-testid="channel-mail"]').inner_text() == "郵送"
    assert_accessible(page, name="submission taken in by post")
    page.goto(f"{base}/staff/")
    assert page.locator('[data-testid="channel-mail"]').count() == 1

    page.goto(f"{base}/staff/mail/")
    page.wait_for_function(FOCUSED_ON_SCAN)
    page.keyboard.type(application.reference)
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    page.locator('[data-testid="duplicate"] a').wait_for()
    assert_accessible(page, name="mail intake duplicate")
    screenshot(page, "mail-intake-duplicate")
