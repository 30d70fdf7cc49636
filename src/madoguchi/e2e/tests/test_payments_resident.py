"""Issue 18 on a phone: a resident applies for Kobe's 納税証明書 (2 通), sees 600円 on the review
page, is declined once on the payment service's hosted page, pays with the
test card, comes back to 支払済 and downloads the 領収書 PDF with its number. No webhook has
arrived by then (the return page asked the provider); delivering them afterwards changes
nothing. axe runs on every page, the hosted page's too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from madoguchi.payments.models import Payment, WebhookEvent
from madoguchi.payments.states import PaymentStatus
from madoguchi.testing.payments import CARD_DECLINED, CARD_SUCCEEDS, PaySim

from .conftest import assert_accessible, doc_screenshot
from .payment_site import (  # noqa: F401
    hosted_on,
    pay_on_the_hosted_page,
    payment_site_fixture,
    pdf_text,
)

PHONE_WIDTH = 390


def _next(page: Any) -> None:
    page.get_by_role("button", name="次へ").first.click()


def _apply_for_two_copies(page: Any, base: str) -> None:
    page.goto(f"{base}/281000/nouzei-shomei/")
    online = page.get_by_role("radio", name=re.compile("オンライン"))
    if online.count():
        online.first.check()
        _next(page)
    page.get_by_role("button", name=re.compile("^(申請を始める|カードを使わずに始める.*)$")).click()

    page.get_by_label("本人（証明を受ける方）").check()
    page.fill("#field-name", "神戸 一郎")
    page.fill("#field-name_kana", "コウベ イチロウ")
    page.select_option("#field-birth_date-era", "seireki")
    page.fill("#field-birth_date-year", "1980")
    page.fill("#field-birth_date-month", "4")
    page.fill("#field-birth_date-day", "1")
    page.fill("#field-postal_code", "6500001")
    page.fill("#field-address", "兵庫県神戸市中央区加納町6丁目5番1号")
    page.fill("#field-phone", "0780000000")
    page.fill("#field-email", "ichiro@example.jp")
    _next(page)

    page.select_option("#field-certificate_type", "all_taxes")
    page.fill("#field-fiscal_year", "2025")
    page.fill("#field-copies", "2")
    page.select_option("#field-purpose", "loan")
    _next(page)

    page.get_by_label("窓口で受け取る").check()
    _next(page)
    page.locator("input[name=consent]").check()
    _next(page)


def test_a_resident_pays_the_certificate_fee_on_a_phone_and_downloads_the_receipt(
    payment_site: PaySim, live_server: Any, phone_page: Any, tmp_path: Path
) -> None:
    page = phone_page
    base = live_server.url
    _apply_for_two_copies(page, base)

    quote = page.get_by_test_id("fee-quote")
    expect(quote.get_by_test_id("fee-total")).to_contain_text("600")
    expect(quote.get_by_test_id("fee-lines")).to_contain_text("納税証明書交付手数料")
    expect(page.get_by_test_id("submit-and-pay")).to_be_visible()
    assert_accessible(page, name="review with the fee (phone)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    doc_screenshot(page, "payments-review-phone", down_to="[data-testid=fee-quote]")
    page.get_by_test_id("submit-and-pay").click()

    panel = page.get_by_test_id("payment-panel")
    expect(panel.get_by_test_id("payment-amount")).to_contain_text("600")
    assert_accessible(page, name="confirmation with the payment (phone)")
    payment = Payment.objects.get()
    assert (payment.amount, payment.status) == (600, PaymentStatus.PENDING)
    panel.get_by_test_id("payment-pay").click()

    # The payment service's hosted page, on another origin.
    page.wait_for_url(re.compile(r"/paysim/checkout/cs_test_"))
    expect(page.get_by_text("600")).not_to_have_count(0)
    assert_accessible(page, name="hosted checkout (phone)")
    pay_on_the_hosted_page(page, CARD_DECLINED)
    expect(page.get_by_role("alert").or_(page.locator(".error-message"))).not_to_have_count(0)
    assert_accessible(page, name="hosted checkout after a decline (phone)")
    assert Payment.objects.get().status == PaymentStatus.PENDING
    page.get_by_label("カード番号").fill(CARD_SUCCEEDS)
    doc_screenshot(page, "payments-checkout-phone")
    page.get_by_role("button", name="支払う", exact=True).click()

    # Back on the status page: paid, though no webhook has been delivered yet.
    page.wait_for_url(re.compile(re.escape(base) + r"/status/"))
    panel = page.get_by_test_id("payment-panel")
    expect(panel.get_by_test_id("payment-status")).to_have_text("支払済")
    expect(panel.get_by_test_id("payment-method")).to_contain_text("カード")
    assert not WebhookEvent.objects.exists()
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PAID and payment.receipt_serial
    assert (payment.provider_fee, payment.net) == (22, 578)  # 3.6 % of 600, rounded half up
    assert_accessible(page, name="status page, paid (phone)")
    doc_screenshot(page, "payments-paid-phone", down_to="[data-testid=payment-panel]")

    with page.expect_download() as download:
        panel.get_by_test_id("payment-receipt").click()
    pdf = download.value.path().read_bytes()
    assert pdf[:5] == b"%PDF-"
    text = pdf_text(pdf, tmp_path)
    assert "領収書" in text and payment.receipt_serial in text
    assert "600" in text

    sent = payment_site.deliver()
    assert sent and all(s.ok for s in sent)
    assert {"checkout.session.completed"} <= {s.type for s in sent}
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {"ignored"}
    again = Payment.objects.get()
    assert (again.status, again.receipt_serial, again.paid_at) == (
        PaymentStatus.PAID,
        payment.receipt_serial,
        payment.paid_at,
    )
    page.reload()
    expect(page.get_by_test_id("payment-status")).to_have_text("支払済")


def test_paying_on_a_hosted_checkout_on_another_origin_and_coming_back(
    demo: None,
    live_server: Any,
    identity_provider_url: str,
    paysim: PaySim,
    settings: Any,
    browser: Any,
) -> None:
    hosted_on(identity_provider_url, live_server=live_server, paysim=paysim, settings=settings)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = context.new_page()
    try:
        _apply_for_two_copies(page, live_server.url)
        page.get_by_test_id("submit-and-pay").click()
        page.get_by_test_id("payment-pay").click()
        page.wait_for_url(re.compile(r"/paysim/checkout/cs_test_"), timeout=10_000)
        assert page.url.startswith(identity_provider_url)
        pay_on_the_hosted_page(page, CARD_SUCCEEDS)
        page.wait_for_url(re.compile(re.escape(live_server.url) + r"/status/"), timeout=10_000)
        expect(page.get_by_test_id("payment-status")).to_have_text("支払済")
    finally:
        context.close()
