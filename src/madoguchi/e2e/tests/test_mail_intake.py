"""Staff take a mail-in paper in by a typed scan, and a second scan is refused; a changed
answer is recorded with who and why; a paper of another city or department and an altered
code are refused with their messages and nothing is taken in (axe on each page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from madoguchi.core.refusals import Refused
from madoguchi.e2e.tests.conftest import assert_accessible, screenshot
from madoguchi.mailin import intake, payload
from madoguchi.mailin.models import MailStatus
from madoguchi.mailin.tests.test_intake import ANSWERS, mail_application
from madoguchi.submissions.models import Comment, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import (
    STAFF_PASSWORD,
    DepartmentFactory,
    MunicipalityFactory,
    publish_form,
)
from madoguchi.testing.staff import code_for

pytestmark = pytest.mark.browser

# The browser focuses an autofocus input once the page is shown, not at load: a scan typed
# before that would lose its first characters (a person waits for the cursor).
# A function, not an expression: Playwright polls a string with eval, which our CSP refuses.
FOCUSED_ON_SCAN = "() => document.activeElement && document.activeElement.id === 'scan'"


def log_in(page: Any, base: str, staff: StaffMember) -> None:
    """Password, then the authenticator's code; waits until the staff pages are open."""
    page.goto(f"{base}/staff/login/")
    page.fill("#username", staff.user.get_username())
    page.fill("#password", STAFF_PASSWORD)
    page.locator("button[type=submit]").last.click()
    page.fill("#code", code_for())
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}/staff/")


def scan(page: Any, base: str, text: str, *, wait_for: str, reload: bool = True) -> None:
    """Type ``text`` into the focused scan input as a keyboard-wedge scanner does (then
    Enter) and wait for ``wait_for`` on the page that answers."""
    if reload:
        page.goto(f"{base}/staff/mail/")
        page.wait_for_function(FOCUSED_ON_SCAN)
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_selector(wait_for)


def refusal(refused: type[Refused]) -> str:
    """The message staff read for a refusal (in Japanese, the browser's language)."""
    with translation.override("ja"):
        return str(refused.default_message)


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
    log_in(page, base, staff)

    page.goto(f"{base}/staff/mail/")
    page.wait_for_function(FOCUSED_ON_SCAN)
    assert_accessible(page, name="mail intake")
    # A keyboard-wedge scanner types the text and presses Enter.
    scan(page, base, application.reference, wait_for="main form[enctype]", reload=False)
    assert "加賀 太郎" in page.content()
    assert_accessible(page, name="mail intake review")
    screenshot(page, "mail-intake-review")
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_url("**/staff/submissions/**")
    assert page.locator('[data-testid="channel-mail"]').inner_text() == "郵送"
    assert_accessible(page, name="submission taken in by post")
    page.goto(f"{base}/staff/")
    assert page.locator('[data-testid="channel-mail"]').count() == 1

    scan(page, base, application.reference, wait_for=".error-summary")
    page.locator('[data-testid="duplicate"] a').wait_for()
    assert_accessible(page, name="mail intake duplicate")
    screenshot(page, "mail-intake-duplicate")


def test_an_answer_changed_on_the_paper_is_taken_in_and_the_comment_says_who_and_why(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember
) -> None:
    version = publish_form(department=staff.departments.get())
    application = mail_application(version)
    base = live_server.url
    log_in(page, base, staff)

    scan(
        page,
        base,
        payload.encode(reference=application.reference, answers=ANSWERS),
        wait_for="main form[enctype]",
    )
    page.select_option("#change_key", "name")
    page.fill("#change_value", "加賀 花子")
    page.fill("#change_reason", "訂正印あり（本人による訂正）")
    assert_accessible(page, name="mail intake review with a change")
    page.locator("main form[enctype] button[type=submit]").click()
    page.wait_for_url("**/staff/submissions/**")

    main = page.locator("main").inner_text()
    assert "加賀 花子" in main
    assert "加賀 太郎" not in main
    comments = page.locator("section[aria-labelledby=comments-title]").inner_text()
    assert staff.display_name in comments
    assert "訂正印あり（本人による訂正）" in comments
    assert "氏名" in comments  # the question, by its label
    assert_accessible(page, name="submission with an answer changed from the paper")
    screenshot(page, "mail-intake-changed-answer")
    submission = Submission.objects.get()
    assert submission.answers["name"] == "加賀 花子"
    assert Comment.objects.get(submission=submission).author == staff


def test_papers_of_another_city_or_department_and_an_altered_code_are_refused_and_not_taken_in(
    transactional_db: None, live_server: Any, page: Any, staff: StaffMember
) -> None:
    department = staff.departments.get()
    ours = mail_application(publish_form(department=department))
    elsewhere = DepartmentFactory(municipality=MunicipalityFactory())
    # Its own sequence starts at 1 too; only the secret link must differ.
    other_city = mail_application(publish_form(department=elsewhere), sequence=3)
    next_door = DepartmentFactory(municipality=department.municipality)
    other_department = mail_application(
        publish_form(department=next_door, slug="other-form"), sequence=2
    )
    base = live_server.url
    log_in(page, base, staff)

    altered = {**ANSWERS, "name": "別人 次郎"}
    ours_code = payload.encode(reference=ours.reference, answers=ANSWERS)
    # Answers of another paper glued under this paper's fingerprint.
    glued = (
        ours_code.rsplit(".", 1)[0]
        + "."
        + payload.encode(reference=ours.reference, answers=altered).rsplit(".", 1)[1]
    )
    cases = [
        (other_city.reference, intake.OtherMunicipality, "another-city"),
        (other_department.reference, intake.OtherDepartment, "other-department"),
        (
            payload.encode(reference=ours.reference, answers=altered),
            intake.AnswersMismatch,
            "answers-mismatch",
        ),
        (glued, payload.HashMismatch, "hash-mismatch"),
    ]
    for text, refused, name in cases:
        scan(page, base, text, wait_for=".error-summary")
        error = page.locator("#scan-error").inner_text()
        assert refusal(refused) in error, name
        assert page.locator("#scan").get_attribute("aria-invalid") == "true"
        assert page.locator("main form[enctype]").count() == 0
        assert_accessible(page, name=f"mail intake refused: {name}")
        screenshot(page, f"mail-intake-refused-{name}")

    assert not Submission.objects.exists()
    for application in (ours, other_city, other_department):
        application.refresh_from_db()
        assert application.status == MailStatus.AWAITING
        assert application.submission is None
