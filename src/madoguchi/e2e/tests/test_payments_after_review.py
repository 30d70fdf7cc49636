"""Issue 18, 事後決済: a resident books Kobe's 粗大ごみ collection on a phone (nothing to pay
yet: an estimate), the 環境局 clerk approves it with the fee (2 items × 400円), the resident
opens the status page, pays on the hosted page and sees 支払済; the city's administrator then
finds the payment in the treasury's export page. Webhooks are delivered only at the end and
change nothing. axe on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from madoguchi.payments.models import Payment, WebhookEvent
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions.models import Status, Submission
from madoguchi.testing.payments import CARD_SUCCEEDS, PaySim

from .conftest import assert_accessible, doc_screenshot, log_in_demo_staff
from .payment_site import pay_on_the_hosted_page, payment_site_fixture  # noqa: F401


@pytest.fixture
def staff_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield context.new_page()
    context.close()


def _next(page: Any) -> None:
    page.get_by_role("button", name="次へ").first.click()


def _book_two_items(page: Any, base: str) -> None:
    page.goto(f"{base}/281000/sodaigomi/")
    start = page.get_by_role("button", name=re.compile("^(申請を始める|カードを使わずに始める.*)$"))
    if start.count():
        start.click()
    page.get_by_label("ソファー").check()
    page.get_by_label("テーブル・机").check()
    page.fill("#field-item_count", "2")
    page.fill("#field-item_details", "3人掛けソファー 1点、食卓テーブル 1点")
    _next(page)

    day = timezone.localdate() + timedelta(days=10)
    page.fill("#field-postal_code", "6500001")
    page.fill("#field-address", "兵庫県神戸市中央区加納町6丁目5番1号 デモハイツ101")
    page.get_by_label(re.compile("^自宅の玄関前")).check()
    page.select_option("#field-preferred_date-era", "seireki")
    page.fill("#field-preferred_date-year", str(day.year))
    page.fill("#field-preferred_date-month", str(day.month))
    page.fill("#field-preferred_date-day", str(day.day))
    _next(page)

    page.fill("#field-name", "灘 三郎")
    page.fill("#field-name_kana", "ナダ サブロウ")
    page.fill("#field-phone", "0780000000")
    page.fill("#field-email", "saburo@example.jp")
    _next(page)
    page.locator("input[name=consent]").check()
    _next(page)


def test_staff_approve_bulky_waste_with_its_fee_and_the_resident_pays_it(
    payment_site: PaySim, live_server: Any, phone_page: Any, staff_page: Any
) -> None:
    resident, staff, base = phone_page, staff_page, live_server.url
    _book_two_items(resident, base)

    quote = resident.get_by_test_id("fee-quote")
    expect(quote.get_by_test_id("fee-after-review")).to_be_visible()
    expect(quote).to_contain_text("品目と金額を確認後、お支払いのご案内をお送りします")
    expect(quote.get_by_test_id("fee-total")).to_contain_text("800")
    expect(resident.get_by_test_id("submit-and-pay")).to_have_count(0)
    assert_accessible(resident, name="bulky waste review with the estimate (phone)")
    resident.get_by_role("button", name=re.compile("送信")).last.click()

    expect(resident.get_by_test_id("receipt-number")).to_be_visible()
    expect(resident.get_by_test_id("payment-later")).to_be_visible()
    assert_accessible(resident, name="bulky waste confirmation (phone)")
    assert not Payment.objects.exists()
    receipt = resident.get_by_test_id("receipt-number").inner_text().strip()
    resident.get_by_test_id("open-status-page").click()
    resident.wait_for_url(re.compile(re.escape(base) + r"/status/"))
    status_url = resident.url
    assert_accessible(resident, name="bulky waste status before approval (phone)")

    log_in_demo_staff(staff, base, "kobe-kankyo")
    staff.goto(f"{base}/staff/submissions/{receipt}/")
    staff.get_by_label("審査中", exact=True).check()
    staff.get_by_role("button", name="状態を変更する").click()
    expect(staff.get_by_test_id("status-history")).to_contain_text("審査中")
    approval = staff.get_by_test_id("fee-approval")
    expect(approval).to_contain_text("粗大ごみ処理手数料")
    expect(approval.get_by_role("checkbox")).not_to_be_checked()
    staff.get_by_label("承認", exact=True).check()
    staff.fill("#reason", "品目と大きさを確認しました。収集日は追ってお知らせします。")
    assert_accessible(staff, name="staff approval with the fee")
    doc_screenshot(staff, "payments-staff-approve")
    staff.get_by_role("button", name="状態を変更する").click()
    expect(staff.get_by_test_id("status-history")).to_contain_text("承認")
    submission = Submission.objects.get(receipt_number=receipt)
    assert submission.status == Status.APPROVED
    payment = Payment.objects.get()
    assert (payment.purpose, payment.amount, payment.status) == (
        "after_review",
        800,
        PaymentStatus.PENDING,
    )
    assert_accessible(staff, name="staff detail, fee asked")

    resident.goto(status_url)
    panel = resident.get_by_test_id("payment-panel")
    expect(panel.get_by_test_id("payment-amount")).to_contain_text("800")
    assert_accessible(resident, name="status page, fee to pay (phone)")
    panel.get_by_test_id("payment-pay").click()
    resident.wait_for_url(re.compile(r"/paysim/checkout/cs_test_"))
    assert_accessible(resident, name="hosted checkout for the bulky waste (phone)")
    pay_on_the_hosted_page(resident, CARD_SUCCEEDS)

    resident.wait_for_url(re.compile(re.escape(base) + r"/status/"))
    expect(resident.get_by_test_id("payment-status")).to_have_text("支払済")
    assert_accessible(resident, name="status page, paid after review (phone)")
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.receipt_serial

    staff.reload()
    expect(staff.get_by_test_id("status-history")).to_contain_text("承認")
    expect(staff.locator("body")).to_contain_text(payment.receipt_serial)
    assert_accessible(staff, name="staff detail, fee paid")

    staff.context.clear_cookies()  # the treasury's export is for staff who see the whole city
    log_in_demo_staff(staff, base, "kobe-admin")
    staff.goto(f"{base}/staff/exports/payments/")
    expect(staff.locator("main")).to_contain_text("消込")
    assert_accessible(staff, name="treasury export page")
    staff.get_by_role("button", name="集計を表示").click()
    expect(staff.locator("main")).to_contain_text("粗大ごみ")
    expect(staff.locator("main")).to_contain_text("800")
    assert_accessible(staff, name="treasury export totals")
    doc_screenshot(staff, "payments-treasury-export")

    sent = payment_site.deliver()
    assert sent and all(s.ok for s in sent)
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {"ignored"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    resident.reload()
    expect(resident.get_by_test_id("payment-status")).to_have_text("支払済")
