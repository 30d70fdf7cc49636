"""`madoguchi demo --payments`: Kobe's sample fees, as the payment simulator keeps them too."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.demo.services import DEMO_PASSWORD, demo_totp_key
from madoguchi.exports import payment_selectors
from madoguchi.exports.payment_selectors import Period
from madoguchi.payments.models import Payment, WebhookEvent
from madoguchi.payments.states import PaymentStatus
from madoguchi.simulators.payments.models import StoredObject
from madoguchi.simulators.payments.services import fee_for
from madoguchi.submissions.models import Status
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.staff import CODE_URL, LOGIN_URL, code_for


def _load() -> list[Payment]:
    call_command("demo", "--reset", "--payments", stdout=StringIO())
    return list(Payment.objects.select_related("submission__form_version__form").order_by("id"))


@pytest.mark.django_db
def test_kobe_gets_paid_refunded_and_awaiting_payments_of_both_timings() -> None:
    payments = _load()

    assert Counter(p.status for p in payments) == {
        PaymentStatus.PAID: 4,
        PaymentStatus.REFUNDED: 1,
        PaymentStatus.PENDING: 1,
    }
    assert {p.account for p in payments} == {"281000"}
    assert {p.method for p in payments if p.status != PaymentStatus.PENDING} == {
        "card",
        "konbini",
        "paypay",
    }
    certificate = payments[0]
    assert certificate.submission.form_version.form.slug == "nouzei-shomei"
    assert (certificate.purpose, certificate.amount) == ("on_submission", 600)
    assert certificate.receipt_serial.startswith("R-281000-")
    waiting = next(p for p in payments if p.status == PaymentStatus.PENDING)
    assert waiting.purpose == "after_review"
    assert waiting.submission.status == Status.APPROVED
    assert waiting.requested_by is not None
    refunded = next(p for p in payments if p.status == PaymentStatus.REFUNDED)
    assert refunded.refund_reference.startswith("re_")
    assert refunded.refunded_by is not None and refunded.refund_reason


@pytest.mark.django_db
def test_the_treasury_totals_equal_the_simulators_balance_transactions() -> None:
    payments = _load()
    kobe_admin = StaffMember.objects.get(user__username="kobe-admin")

    today = timezone.localdate()
    summary = payment_selectors.summarize(
        payment_selectors.movements(kobe_admin, period=Period(today - timedelta(days=1), today))
    )

    for payment in (p for p in payments if p.provider_reference):
        assert payment.provider_fee == fee_for(payment.amount)
        assert payment.net == payment.amount - payment.provider_fee
    balance = [o.data for o in StoredObject.objects.filter(kind="balance_transaction")]
    for category in ("charge", "refund"):
        theirs = [b for b in balance if b["reporting_category"] == category]
        ours = summary.by_category[category]
        assert (ours.count, ours.gross, ours.fee, ours.net) == (
            len(theirs),
            sum(b["amount"] for b in theirs),
            sum(b["fee"] for b in theirs),
            sum(b["net"] for b in theirs),
        ), category
    assert summary.by_category["refund"].count == 1


@pytest.mark.django_db
def test_kobes_staff_pages_show_them() -> None:
    payments = _load()
    browser = Client(headers={"accept-language": "ja"}, REMOTE_ADDR="127.0.0.1")
    browser.post(LOGIN_URL, {"username": "kobe-admin", "password": DEMO_PASSWORD})
    assert (
        browser.post(CODE_URL, {"code": code_for(demo_totp_key("kobe-admin"))}).status_code == 302
    )

    assert browser.get(reverse("backoffice:inbox")).status_code == 200
    for payment in payments:
        page = browser.get(reverse("backoffice:detail", args=[payment.submission.receipt_number]))
        assert page.status_code == 200
        assert f"{payment.amount:,}" in page.text
    today = timezone.localdate().isoformat()
    export = browser.get(reverse("exports:payments"), {"from": today, "to": today})
    assert export.status_code == 200
    assert "粗大ごみ" in export.text and "納税証明書" in export.text


@pytest.mark.django_db
def test_without_the_option_there_are_no_payments_and_it_is_added_to_a_loaded_demo() -> None:
    call_command("demo", "--reset", stdout=StringIO())
    assert not Payment.objects.exists()

    call_command("demo", "--payments", stdout=StringIO())
    call_command("demo", "--payments", stdout=StringIO())

    assert Payment.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_the_simulators_queued_webhooks_for_them_change_nothing(paysim) -> None:  # type: ignore[no-untyped-def]
    before = {p.pk: (p.status, p.receipt_serial) for p in _load()}

    sent = paysim.deliver()

    assert sent and all(s.ok for s in sent)
    assert {p.pk: (p.status, p.receipt_serial) for p in Payment.objects.all()} == before
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) <= {"ignored"}
