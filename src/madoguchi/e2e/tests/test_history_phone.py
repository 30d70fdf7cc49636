"""やりとり履歴 on a phone: one card per line with labelled cells, views grouped."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from madoguchi.backoffice import services as backoffice_services
from madoguchi.submissions import status_links, workflow
from madoguchi.submissions.models import Status
from madoguchi.testing.factories import StaffFactory, publish_form, submit_application

from .conftest import assert_accessible, screenshot


@pytest.fixture
def history_url(transactional_db: None, live_server: Any) -> str:
    from madoguchi.testing.factories import DepartmentFactory

    department = DepartmentFactory(name="健康課", name_en="Health Division")
    version = publish_form(department=department)
    submission = submit_application(version)
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    colleague = StaffFactory(municipality=department.municipality, departments=[department])
    for _ in range(8):  # one review: the page, then back to it after each action
        backoffice_services.record_staff_view(staff, submission)
    backoffice_services.record_staff_view(colleague, submission)
    backoffice_services.record_staff_view(staff, submission, part="print")
    workflow.change_status(submission=submission, staff=staff, to_status=Status.IN_REVIEW)
    return f"{live_server.url}/status/{status_links.issue(submission)}/"


def test_the_history_on_a_phone_is_one_readable_card_per_line(
    history_url: str, phone_page: Any
) -> None:
    page = phone_page

    page.goto(history_url)

    history = page.get_by_test_id("access-history")
    expect(history).to_contain_text("職員が閲覧しました（3回）")
    rows = history.locator("tbody tr")
    who = rows.first.locator("td").nth(1)
    expect(who).to_contain_text("健康課")
    box = who.bounding_box()
    assert box is not None and box["width"] > 300  # the whole width, not one character
    assert box["height"] < 60  # one or two lines, not one character per line
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, name="status page history (phone)")
    screenshot(page, "status-access-history-phone")
