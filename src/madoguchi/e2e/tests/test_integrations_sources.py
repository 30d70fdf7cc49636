"""A city administrator of the LGWAN node reads its pull sources page in a real browser: the
source's state, the change waiting and the change the internet node refused, with its reason
(axe at desktop and phone widths)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.e2e.tests.conftest import assert_accessible
from madoguchi.e2e.tests.test_mail_intake import log_in
from madoguchi.integrations import mirror
from madoguchi.integrations.models import PendingPush, PullSource
from madoguchi.integrations.tests.test_pull import _pulled
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def test_an_administrator_reads_the_pull_sources_page(
    transactional_db: None, live_server: Any, browser: Any, settings: Any
) -> None:
    settings.MADOGUCHI_NODE_ROLE = "lgwan"
    settings.MADOGUCHI_PULL_SOURCES = [
        {
            "name": "internet",
            "base_url": "https://apply.city.example.lg.jp",
            "client_id": "mdg_0123456789abcdef0123456789abcdef",
            "secret": "never-shown",
        }
    ]
    department: Department = DepartmentFactory(name="こども課")
    version = publish_form(department=department, slug="jido-teate")
    source = PullSource.objects.create(
        name="internet",
        base_url="https://apply.city.example.lg.jp",
        client_id="mdg_0123456789abcdef0123456789abcdef",
        cursor=4211,
        last_pull_at=timezone.now(),
        last_error="1 status change(s) refused, the internet node's status kept: change 7 …",
    )
    submission, _created = mirror.store(source=source, pulled=_pulled(version), cursor=4211)
    staff = StaffFactory(municipality=department.municipality, departments=[department])
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(
        submission=submission, to_status=Status.REJECTED, staff=staff, reason="期限切れ"
    )
    first = PendingPush.objects.order_by("change__at").first()
    assert first is not None
    PendingPush.objects.filter(pk=first.pk).update(last_error="refused: HTTP 409 status_refused")
    admin: StaffMember = StaffFactory(
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    # JavaScript on only for axe (it runs in the page); the page itself uses none.
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    page = context.new_page()
    base = live_server.url
    log_in(page, base, admin)

    page.goto(f"{base}/staff/integrations/")
    page.get_by_role("link", name="取得元（LGWAN側ノード）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("取得元（LGWAN側ノード）")
    expect(page.get_by_test_id("waiting")).to_have_text("1")
    expect(page.get_by_test_id("given-up")).to_contain_text(submission.receipt_number)
    expect(page.get_by_test_id("given-up")).to_contain_text("HTTP 409 status_refused")
    expect(page.locator("main")).not_to_contain_text("never-shown")
    assert_accessible(page, name="pull sources (desktop)")
    page.set_viewport_size(PHONE)
    assert_accessible(page, name="pull sources (phone)")
    context.close()
