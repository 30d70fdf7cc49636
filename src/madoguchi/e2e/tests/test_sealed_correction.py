"""差し戻し of an encrypted application in the browser: the resident's correction page says the
earlier answers cannot be shown, asks them afresh (a file too), keeps what was typed when
something is missing, and sends the correction sealed (axe on each page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from madoguchi.e2e.tests.conftest import assert_accessible, screenshot
from madoguchi.integrations import key_services
from madoguchi.integrations.models import SealedCorrection
from madoguchi.integrations.tests.test_sealing import FILE_SCHEMA, register_keys, submit_with_file
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    yield context.new_page()
    context.close()


def test_the_resident_corrects_an_encrypted_application_from_scratch(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember, tmp_path: Any
) -> None:
    department = staff.departments.get()
    register_keys(department)
    version = publish_form(department=department, slug="sealed-fix", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    submission = submit_with_file(version, name="封緘 花子", note="最初の事情", file=pdf_bytes())
    _correction, token = workflow.return_for_correction(
        submission=submission,
        staff=staff,
        reason="事情をもう少し詳しく書き、保険証の画像を添付し直してください。",
        fields=["note", "card"],
    )
    scan = tmp_path / "保険証.pdf"
    scan.write_bytes(pdf_bytes("a clearer card"))

    page.goto(live_server.url + reverse("submissions:correction", args=[token]))
    expect(page.get_by_test_id("correction-sealed")).to_contain_text(
        "前回の回答をここに表示できません"
    )
    expect(page.locator("#field-note")).to_have_value("")
    assert_accessible(page, name="sealed correction page")
    page.fill("#field-note", "詳しい事情を書きました")
    page.get_by_role("button", name="訂正を送信する").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#field-note")).to_have_value("詳しい事情を書きました")
    assert_accessible(page, name="sealed correction page with an error")
    page.set_input_files("#field-card", str(scan))
    page.get_by_role("button", name="訂正を送信する").click()

    expect(page.get_by_test_id("receipt-number")).to_have_text(submission.receipt_number)
    screenshot(page, "sealed-correction-sent-phone")
    stored = Submission.objects.get(pk=submission.pk)
    assert stored.status == Status.RESUBMITTED and stored.answers == {}
    assert SealedCorrection.objects.filter(correction__submission=stored).exists()
