"""The export pages pass axe-core (WCAG 2.x A/AA) in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from madoguchi.e2e.tests.conftest import assert_accessible
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import STAFF_PASSWORD, publish_form, submit_application
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page in the session's one browser (see conftest: one Playwright per process)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


@override_settings(MADOGUCHI_EXPORT_DIRECT_MAX_ROWS=0)
def test_export_pages_are_accessible(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember
) -> None:
    version = publish_form(department=staff.departments.get())
    submit_application(version, name="加賀 太郎😀")
    base = live_server.url
    page.goto(f"{base}/staff/login/")
    page.fill("#username", staff.user.get_username())
    page.fill("#password", STAFF_PASSWORD)
    page.locator("button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("main button[type=submit]").click()

    page.goto(f"{base}/staff/exports/")
    assert_accessible(page, name="exports")
    page.goto(f"{base}/staff/exports/forms/{version.form_id}/")
    assert_accessible(page, name="export form")
    page.goto(f"{base}/staff/exports/forms/{version.form_id}/profiles/new/")
    assert_accessible(page, name="profile editor")
    page.fill("#name", " ")
    page.evaluate("document.querySelectorAll('.row-select').forEach(b => { b.checked = false; })")
    page.locator("form[method=post] .actions button").click()
    summary = page.locator(".error-summary")
    assert summary.locator("li").count() == 2
    assert summary.evaluate("element => element === document.activeElement")
    assert_accessible(page, name="profile editor with errors")
    page.goto(f"{base}/staff/exports/forms/{version.form_id}/")
    page.check("#status-completed")
    page.locator("form.workflow button[type=submit]").click()
    assert page.locator("#status-error").is_visible()
    assert_accessible(page, name="export form with errors")
    page.goto(f"{base}/staff/exports/forms/{version.form_id}/")
    page.check("#encoding-cp932")
    page.check("#unencodable-refuse")
    page.locator("form.workflow button[type=submit]").click()
    page.wait_for_url("**/staff/exports/jobs/**")
    assert "U+1F600" in page.content()
    assert_accessible(page, name="refused export job")
    page.goto(f"{base}/staff/exports/forms/{version.form_id}/")
    page.check("#unencodable-replace")
    page.locator("form.workflow button[type=submit]").click()
    page.wait_for_url("**/staff/exports/jobs/**")
    assert_accessible(page, name="finished export job")
