"""A city administrator adds a webhook in a real browser, an application is delivered to a
receiver on loopback that verifies its signature, and the delivery log shows the attempt and
a replay (axe on each page, JavaScript off: the pages need none)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from madoguchi.e2e.tests.conftest import assert_accessible
from madoguchi.integrations.models import WebhookAttempt, WebhookEndpoint
from madoguchi.integrations.tests.test_webhooks import Receiver, receiver  # noqa: F401
from madoguchi.tenants.models import StaffRole
from madoguchi.testing.factories import (
    STAFF_PASSWORD,
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser


def test_an_administrator_adds_a_webhook_and_reads_its_delivery_log(
    transactional_db: None,
    live_server: Any,
    browser: Any,
    receiver: Receiver,  # noqa: F811 (the fixture imported above)
) -> None:
    department = DepartmentFactory(name="子育て支援課")
    form_version = publish_form(department=department)
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="ja-JP", java_script_enabled=True
    )
    page = context.new_page()
    base = live_server.url
    page.goto(f"{base}/staff/")
    page.fill("#username", admin.user.get_username())
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("form button[type=submit]").last.click()

    page.goto(f"{base}/staff/integrations/webhooks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook")
    assert_accessible(page, name="webhook list (empty)")
    page.get_by_role("link", name="Webhook を追加").click()
    page.get_by_label("URL").fill("http://kikan.city.example.jp/hook")
    page.get_by_role("button", name="Webhook を追加する").click()
    expect(page.locator(".error-summary")).to_contain_text("イベントを受け取る課を選んでください。")
    expect(page.locator(".error-summary")).to_contain_text("https://")
    assert_accessible(page, name="webhook form with errors")
    page.locator("#department").select_option(label="子育て支援課")
    page.get_by_label("URL").fill(receiver.url("/hook"))
    page.get_by_label("説明").fill("児童手当システム")
    page.get_by_role("button", name="Webhook を追加する").click()

    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert secret == WebhookEndpoint.objects.get().secret
    assert secret.startswith("whsec_")
    receiver.secrets["/hook"] = secret
    assert_accessible(page, name="webhook detail")

    submitted = submit_application(form_version)  # its commit sends the delivery at once
    assert receiver.received[0].payload["data"]["id"] == str(submitted.public_id)
    page.reload()
    expect(page.locator("table").last).to_contain_text("配信済み")
    page.locator("table").last.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("msg_")
    assert_accessible(page, name="delivery log")
    page.get_by_role("button", name="もう一度送る（再送）").click()

    expect(page.locator("table")).to_contain_text("再送")
    assert len(receiver.received) == 2
    assert len(set(receiver.ids())) == 1
    assert WebhookAttempt.objects.filter(replay=True).count() == 1
    page.goto(f"{base}/staff/integrations/webhooks/")
    expect(page.locator("tbody")).to_contain_text("児童手当システム")
    assert_accessible(page, name="webhook list")
    context.close()
