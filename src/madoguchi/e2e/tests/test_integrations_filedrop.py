"""The file drop pages in chromium: a clerk sets up a drop, fixes the target the page refused,
and reads the last run; axe (WCAG 2.x AA) on every page, desktop and phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from madoguchi.e2e.tests.conftest import _csp_violations, assert_accessible
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import (
    STAFF_PASSWORD,
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser


def log_in(page: Any, base: str, staff: StaffMember) -> None:
    page.goto(f"{base}/staff/")
    page.fill("#username", staff.user.username)
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("form button[type=submit]").last.click()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["pc", "phone"]
)
def test_a_clerk_sets_up_a_file_drop_and_reads_its_last_run(
    transactional_db: None, live_server: Any, browser: Any, tmp_path: Path, viewport: Any
) -> None:
    department: Department = DepartmentFactory(name="市民課")  # type: ignore[assignment]
    version = publish_form(department=department, slug="juminhyo")
    submit_application(version)
    staff: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, departments=[department]
    )
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    base = live_server.url
    log_in(page, base, staff)

    page.goto(f"{base}/staff/integrations/drops/")
    assert_accessible(page, name="file drops (none yet)")
    page.get_by_role("link", name="ファイル連携を追加").click()
    assert_accessible(page, name="new file drop")
    page.select_option("#form", label="テスト申請 (市民課)")
    page.fill("#target", "intake/juminhyo")
    page.get_by_role("button", name="ファイル連携を保存").click()

    summary = page.locator(".error-summary")
    assert "/ から始まる絶対パスで入力してください。" in summary.inner_text()
    assert page.locator("#target").get_attribute("aria-invalid") == "true"
    assert_accessible(page, name="new file drop with an error")
    page.fill("#target", str(tmp_path))
    page.get_by_role("button", name="ファイル連携を保存").click()

    assert page.url.endswith("/staff/integrations/drops/")
    call_command("file_drop")
    page.reload()
    assert "1 件" in page.locator("table").inner_text()
    assert_accessible(page, name="file drops with a run")
    page.get_by_role("link", name="「テスト申請」のファイル連携を変更").click()
    assert page.locator("table code").first.inner_text().startswith(department.municipality.lg_code)
    assert_accessible(page, name="file drop with its runs")
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"
