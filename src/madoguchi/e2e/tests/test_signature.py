"""A resident signs an application with a demo My Number Card (signing password) and sends it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect

from madoguchi.signatures.models import SignatureEvidence
from madoguchi.submissions.models import Submission

from .conftest import assert_accessible, screenshot


def _next(page: Any) -> None:
    page.get_by_role("button", name="次へ").click()


def test_a_resident_signs_the_moped_deregistration_with_the_card_and_gets_a_receipt(
    demo: None, live_server: Any, phone_page: Any
) -> None:
    page = phone_page
    page.goto(f"{live_server.url}/172065/gentsuki-haisha/?channel=online")  # or the counter
    assert_accessible(page, name="signed form start page")
    page.locator("button[name=provider]").first.click()
    expect(page.locator("#resident-kaga-taro")).to_be_visible()
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "1234")
    page.locator("button[name=action][value=authenticate]").click()

    # Step 1: the owner; name and address come from the card.
    expect(page.locator(".identity-banner")).to_be_visible()
    page.fill("#field-owner_kana", "カガ タロウ")
    page.fill("#field-postal_code", "922-0811")
    page.fill("#field-phone", "0761721111")
    _next(page)
    # Step 2: the vehicle.
    page.fill("#field-plate_number", "加賀市 あ 12-34")
    page.fill("#field-frame_number", "AF68-1234567")
    page.locator("input[name=displacement]").first.check()
    _next(page)
    # Step 3: scrapped a week ago.
    page.locator("input[name=reason][value=scrapped]").check()
    day = date.today() - timedelta(days=7)
    page.select_option("#field-reason_date-era", "seireki")
    page.fill("#field-reason_date-year", str(day.year))
    page.fill("#field-reason_date-month", str(day.month))
    page.fill("#field-reason_date-day", str(day.day))
    _next(page)
    # Step 4: the plate, and the declaration.
    page.locator("input[name=plate_return][value=return]").check()
    page.locator("input[name=consent]").check()
    _next(page)

    sign_button = page.locator("button[name=action][value=sign]")
    expect(sign_button).to_be_visible()
    expect(page.locator("#sign")).to_be_visible()
    assert_accessible(page, name="review page of a form that needs a signature")
    screenshot(page, "gentsuki-review-sign-phone")
    sign_button.click()

    # devidp's card page asks for the signing password, not the 4-digit PIN.
    expect(page.locator("button[name=action][value=sign]")).to_be_visible()
    assert page.locator("#pin").get_attribute("maxlength") == "16"
    assert_accessible(page, name="devidp signing page")
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "WRONG1")
    page.locator("button[name=action][value=sign]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, name="devidp wrong signing password")
    page.locator("#resident-kaga-taro").check()
    page.fill("#pin", "KAGA1975")
    page.locator("button[name=action][value=sign]").click()

    page.wait_for_url("**/done/**")
    expect(page.locator("main")).to_contain_text("172065-")
    assert_accessible(page, name="receipt after signing")
    screenshot(page, "gentsuki-signed-receipt-phone")
    submission = Submission.objects.get()
    evidence = SignatureEvidence.objects.get(submission=submission)
    assert evidence.document_sha256 == submission.document_sha256
    assert evidence.validation["status"] == "valid"
