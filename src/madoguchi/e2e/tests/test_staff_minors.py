"""A clerk's inbox, statistics and application page on a wide screen (issue 13, clerk minors).

Display names family name first, search by reading, the bulk action narrowed to what the
checked rows allow, charts with labels and axis values, answers beside their attachments.
Axe on every page, no CSP refusal, screenshots in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from madoguchi.forms.models import Form
from madoguchi.submissions import services as submission_services
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Channel, Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.files import pdf_bytes

from .conftest import _csp_violations, assert_accessible, screenshot
from .test_attachment_view import ANSWERS, _attach, _staff_login


def _apply(name: str, kana: str) -> Submission:
    form = Form.objects.get(slug="ningen-dock-josei")
    assert form.current_version is not None
    return submission_services.create_submission(
        form_version=form.current_version,
        answers=dict(ANSWERS) | {"name": name, "name_kana": kana},
        channel=Channel.ONLINE,
        language="ja",
    )


@pytest.fixture
def wide_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    yield page
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"


def test_a_clerk_searches_by_reading_acts_on_what_the_checked_rows_allow_and_reads_charts(
    demo: None, live_server: Any, wide_page: Any
) -> None:
    base, page = live_server.url, wide_page
    clerk = StaffMember.objects.get(user__username="kaga-kenko")
    new = _apply("山代 春子", "ヤマシロ\u3000ハルコ")
    reviewing = _apply("加賀 太郎", "カガ\u3000タロウ")
    workflow.change_status(submission=reviewing, to_status=Status.IN_REVIEW, staff=clerk)
    _attach(reviewing, "receipt_file", "領収書.pdf", pdf_bytes("receipt"), "application/pdf")
    _staff_login(page, base, "kaga-kenko")

    # The staff menu names the clerk family name first; the assignee filter offers only
    # people who can act (not the read-only 閲覧 次郎).
    expect(page.locator(".staff-nav")).to_contain_text("健康 花子")
    assignees = page.locator("#f-assignee option").all_inner_texts()
    assert not any("閲覧" in a for a in assignees)
    assert not any("kaga-" in a for a in assignees)

    # Search by the given name's reading typed in hiragana.
    page.goto(f"{base}/staff/?q=はるこ")
    expect(page.locator("tbody")).to_contain_text(new.receipt_number)
    expect(page.locator("tbody")).not_to_contain_text(reviewing.receipt_number)
    page.goto(f"{base}/staff/?q={reviewing.receipt_number[-3:]}")
    expect(page.locator("tbody")).to_contain_text(reviewing.receipt_number)

    # The bulk action: what every checked row allows, nothing else.
    page.goto(f"{base}/staff/")
    status = page.locator("#bulk-status")
    enabled = "options => options.filter(o => !o.disabled).map(o => o.value)"
    page.locator(f"input.row-select[value='{new.receipt_number}']").check()
    assert sorted(status.locator("option").evaluate_all(enabled)) == ["in_review", "rejected"]
    page.locator(f"input.row-select[value='{reviewing.receipt_number}']").check()
    assert status.locator("option").evaluate_all(enabled) == ["rejected"]
    # The page uses the screen's width.
    assert page.locator("main").bounding_box()["width"] > 1400
    assert_accessible(page, name="inbox with rows checked")
    screenshot(page, "staff-inbox-wide")

    # Answers and the attached receipt side by side on a wide screen.
    page.goto(f"{base}/staff/submissions/{reviewing.receipt_number}/")
    attached = page.locator(".review-row", has=page.locator(".attachment")).first
    expect(attached).to_be_visible()
    # The answers (another page of the form) sit to the left of the files.
    answer = page.locator(".review-row", has=page.locator("dt", has_text="氏名")).first
    left, right = answer.bounding_box(), attached.bounding_box()
    assert right["x"] > left["x"] + left["width"] - 1
    assert_accessible(page, name="detail with answers beside the attachment")
    screenshot(page, "staff-detail-side-by-side")

    # Statistics: labelled bars, counts at their ends, an axis with values.
    form = Form.objects.get(slug="ningen-dock-josei")
    page.goto(f"{base}/staff/statistics/{form.pk}/")
    chart = page.locator("svg[aria-labelledby='status-caption']")
    expect(chart.locator(".chart-label").first).to_be_visible()
    labels = chart.locator(".chart-label").all_text_contents()
    assert any("受付" in label for label in labels), labels
    assert chart.locator(".chart-tick").all_text_contents()[0] == "0"
    assert chart.locator(".chart-value").count() == chart.locator(".bar").count()
    assert_accessible(page, name="form statistics")
    screenshot(page, "staff-statistics-chart")
