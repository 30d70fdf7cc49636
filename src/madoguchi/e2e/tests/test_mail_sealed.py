"""A mail-in paper of a form with end-to-end encryption: the resident makes it (the answers are
stored sealed) and downloads it; staff scan its code, read the answers from the code with the
notice that they are encrypted here and no scan input, and take it in; a typed reference is
refused with its message (axe on each page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from madoguchi.e2e.tests.conftest import assert_accessible, screenshot
from madoguchi.e2e.tests.test_mail_intake import FOCUSED_ON_SCAN, log_in, scan
from madoguchi.integrations import key_services, sealing
from madoguchi.integrations.tests.test_sealing import register_keys
from madoguchi.integrations.tests.test_sealing_channels import MAIL_SCHEMA, NAME, mail_draft
from madoguchi.mailin import intake, payload
from madoguchi.mailin import services as mail_services
from madoguchi.mailin.models import MailApplication
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import publish_form

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def test_a_sealed_paper_is_made_by_the_resident_and_taken_in_from_its_code(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember
) -> None:
    department = staff.departments.get()
    private = register_keys(department)
    version = publish_form(department=department, slug="sealed-mail", schema=MAIL_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    _draft, token = mail_draft(version)
    base = live_server.url

    page.goto(base + reverse("submissions:review", args=[token]))
    page.locator(f"form[action='{reverse('mail:prepare', args=[token])}'] button").click()
    page.wait_for_url(base + reverse("mail:prepared", args=[token]))
    assert_accessible(page, name="sealed mail-in paper made")
    with page.expect_download() as download:
        page.locator(f"a[href='{reverse('mail:pdf', args=[token])}']").first.click()
    assert download.value.suggested_filename.startswith("M-")
    application = MailApplication.objects.get()
    assert application.answers == {} and application.sealed is not None

    log_in(page, base, staff)
    page.goto(f"{base}/staff/mail/")
    page.wait_for_function(FOCUSED_ON_SCAN)
    scan(page, base, application.reference, wait_for=".error-summary", reload=False)
    with translation.override("ja"):
        assert (
            str(intake.SealedNeedsCode.default_message) in page.locator("#scan-error").inner_text()
        )
    assert_accessible(page, name="sealed mail-in paper typed reference refused")

    answers = mail_services.answers_for_paper(application, resident_token=token)
    code = payload.encode(reference=application.reference, answers=answers)
    scan(page, base, code, wait_for="main form[enctype]")
    assert page.locator('[data-testid="from-paper-sealed"]').count() == 1
    assert page.locator('[data-testid="no-scan-sealed"]').count() == 1
    assert page.locator("#paper_scan").count() == 0
    assert NAME in page.locator("main").inner_text()
    assert_accessible(page, name="sealed mail-in paper review")
    screenshot(page, "mail-intake-sealed")
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_url("**/staff/submissions/**")

    submission = Submission.objects.get()
    assert sealing.is_sealed(submission)
    assert sealing.open_submission(submission, private)["answers"]["name"] == NAME
