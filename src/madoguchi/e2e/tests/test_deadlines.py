"""標準処理期間 in the browser: the resident reads 処理予定日 on the status page; a clerk
filters the inbox to 期限超過 and sees the badge; both pages pass axe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from playwright.sync_api import expect

from madoguchi.catalog.models import Procedure
from madoguchi.submissions import due_dates, status_links
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import publish_form, submit_application

from .conftest import assert_accessible, doc_screenshot
from .test_mail_intake import log_in


def test_the_resident_sees_the_expected_date_and_the_clerk_the_overdue_list(
    transactional_db: None, live_server: Any, phone_page: Any, browser: Any, staff: StaffMember
) -> None:
    department = staff.departments.get()
    version = publish_form(department=department)
    Procedure.objects.create(
        municipality=department.municipality,
        department=department,
        procedure_id="P-001",
        name="テスト申請",
        form=version.form,
        processing_days=10,
    )
    fresh = Submission.objects.get(pk=submit_application(version, name="加賀 太郎").pk)
    late = submit_application(version, name="加賀 花子")
    Submission.objects.filter(pk=late.pk).update(due_date=due_dates.today() - timedelta(days=1))
    token = status_links.issue(fresh)

    phone_page.goto(live_server.url + reverse("submissions:status", args=[token]))
    expect(phone_page.get_by_test_id("deadline-panel")).to_contain_text("処理予定日")
    expect(phone_page.get_by_test_id("deadline-due")).to_contain_text(f"{fresh.due_date.year}年")  # type: ignore[union-attr]
    assert_accessible(phone_page, name="status page with the expected decision date")
    doc_screenshot(phone_page, "coverage-deadlines-status", down_to="[data-testid=deadline-panel]")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    log_in(page, live_server.url, staff)
    page.goto(live_server.url + reverse("backoffice:inbox") + "?overdue=1")
    expect(page.get_by_test_id("overdue-badge")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text(late.receipt_number)
    expect(page.locator("tbody")).not_to_contain_text(fresh.receipt_number)
    expect(page.get_by_test_id("overdue-badge")).to_have_text("期限超過")
    assert_accessible(page, name="inbox filtered to overdue applications")
    doc_screenshot(page, "coverage-deadlines-inbox", down_to="tbody")
    context.close()
