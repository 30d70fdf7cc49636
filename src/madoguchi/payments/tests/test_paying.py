"""Paying through the simulator over real HTTP with Stripe's SDK: card, 3-D Secure,
declines, konbini, the return page and polling. No mock of Stripe anywhere."""

from __future__ import annotations

import re

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.payments import registry, selectors, services
from madoguchi.payments.accounts import account
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import status_links
from madoguchi.testing.payments import CARD_3DS, CARD_DECLINED, CARD_LATE_WEBHOOK

from . import data
from .fixtures import *  # noqa: F403 (the fixtures paysim, site, recorded)
from .fixtures import kinds

pytestmark = pytest.mark.django_db(transaction=True)


def pending_payment(methods: list[str] | None = None) -> Payment:
    payment = services.start_payment(data.application(data.fee_form(methods=methods)))
    assert payment is not None
    return payment


def test_a_fee_at_submission_becomes_one_pending_payment_of_the_quote(site, recorded):
    submission = data.application()

    payment = services.start_payment(submission)
    again = services.start_payment(submission)

    assert payment is not None and again == payment
    assert (payment.status, payment.amount, payment.tax, payment.currency) == (
        "pending",
        data.AMOUNT,
        50,
        "jpy",
    )
    assert [line["amount"] for line in payment.lines] == [600, 550]
    assert (payment.provider, payment.account) == ("stripe", data.KAGA)
    assert selectors.live_payment(submission) == payment
    assert kinds(recorded).count(events.Event.PAYMENT_REQUESTED) == 1


def test_a_form_paid_after_review_asks_nothing_at_submission(site):
    submission = data.application(data.fee_form(timing="after_review"))

    assert services.start_payment(submission) is None
    assert selectors.payments_of(submission) == []


def test_paying_by_card_marks_it_paid_with_reference_fee_net_and_receipt_number(site, recorded):
    payment = pending_payment()
    url = services.checkout_url(payment, language="ja")

    paid = site.pay(url)
    services.sync_from_provider(payment)

    assert paid.redirect == site.base_url + reverse(
        "payments:return", kwargs={"public_id": payment.public_id}
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.provider_reference.startswith("pi_")
    assert payment.method == "card"
    assert payment.provider_fee is not None and payment.provider_fee > 0
    assert payment.net == data.AMOUNT - payment.provider_fee
    assert re.fullmatch(rf"R-{data.KAGA}-20\d\d-000001", payment.receipt_serial or "")
    assert payment.paid_at is not None
    (paid_event,) = [item for item in recorded if item[0] == events.Event.PAYMENT_PAID]
    _kind, subject, detail = paid_event
    assert subject == events.submission_subject(payment.submission.public_id)
    assert detail["payment"] == str(payment.public_id)
    assert (detail["amount"], detail["currency"], detail["provider"]) == ("1150", "jpy", "stripe")
    assert detail["reference"] == payment.provider_reference
    assert "加賀" not in str(detail) and "4242" not in str(detail)


def test_the_checkout_lists_the_lines_in_the_residents_language_with_the_methods(site):
    payment = pending_payment(data.ALL_METHODS)
    url = services.checkout_url(payment, language="en")

    session = site.client().v1.checkout.sessions.retrieve(
        payment.checkout_id, params={"expand": ["line_items"]}
    )

    assert url == session.url
    assert (session.amount_total, session.currency, session.mode) == (data.AMOUNT, "jpy", "payment")
    assert session.client_reference_id == str(payment.public_id)
    assert session.metadata["payment"] == str(payment.public_id)
    assert session.metadata["receipt_number"] == payment.submission.receipt_number
    assert list(session.payment_method_types) == ["card", "konbini", "paypay"]
    assert session.locale == "en"
    names = [item.description for item in session.line_items.data]
    assert names[0] == "Residence certificate copies"
    assert "Garbage bags" in names[1] and "10%" in names[1]


def test_a_declined_card_leaves_it_pending_and_another_card_then_pays(site):
    payment = pending_payment()
    url = services.checkout_url(payment, language="ja")

    declined = site.pay(url, card=CARD_DECLINED)
    services.sync_from_provider(payment)
    assert not declined.ok
    assert payment.status == PaymentStatus.PENDING

    assert site.pay(url).ok
    services.sync_from_provider(payment)

    assert payment.status == PaymentStatus.PAID


def test_a_card_asking_for_3d_secure_pays_once_authenticated_and_not_before(site):
    payment = pending_payment()
    url = services.checkout_url(payment, language="ja")

    failed = site.pay(url, card=CARD_3DS, three_d_secure=False)
    services.sync_from_provider(payment)
    assert not failed.ok and payment.status == PaymentStatus.PENDING

    assert site.pay(url, card=CARD_3DS).ok
    services.sync_from_provider(payment)

    assert payment.status == PaymentStatus.PAID


def test_konbini_waits_for_the_store_then_is_paid_by_its_webhook(site):
    payment = pending_payment(data.ALL_METHODS)
    services.checkout_url(payment, language="ja")

    slip = site.pay(payment.checkout_id, method="konbini")
    site.deliver()
    payment.refresh_from_db()
    assert not slip.ok and payment.status == PaymentStatus.PENDING

    site.konbini_paid(payment.checkout_id)
    site.deliver()

    payment.refresh_from_db()
    assert (payment.status, payment.method) == (PaymentStatus.PAID, "konbini")


def test_a_konbini_slip_not_paid_in_time_fails_the_payment(site):
    payment = pending_payment(data.ALL_METHODS)
    services.checkout_url(payment, language="ja")
    site.pay(payment.checkout_id, method="konbini")

    site.konbini_expired(payment.checkout_id)
    site.deliver()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED


def test_a_late_webhook_is_reconciled_by_polling_and_then_changes_nothing(site, recorded):
    payment = pending_payment()
    url = services.checkout_url(payment, language="ja")
    assert site.pay(url, card=CARD_LATE_WEBHOOK).ok
    assert not [sent for sent in site.deliver() if sent.type == "checkout.session.completed"]

    counts = services.reconcile_pending(older_than=_zero())

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert counts["paid"] == 1
    assert payment.last_polled_at is not None
    late = site.deliver(held=True)
    assert [sent.status for sent in late if sent.type == "checkout.session.completed"] == [200]
    assert kinds(recorded).count(events.Event.PAYMENT_PAID) == 1
    assert payment.webhook_events.get().outcome == "ignored"


def test_the_webhook_before_the_redirect_pays_and_the_return_page_changes_nothing(site, recorded):
    payment = pending_payment()
    paid = site.pay(services.checkout_url(payment, language="ja"))

    (sent,) = [s for s in site.deliver() if s.type == "checkout.session.completed"]
    payment.refresh_from_db()
    assert sent.status == 200 and payment.status == PaymentStatus.PAID
    serial = payment.receipt_serial

    page = requests.get(paid.redirect, timeout=10)

    assert page.status_code == 200 and 'data-testid="payment-status"' in page.text
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_serial) == (PaymentStatus.PAID, serial)
    assert kinds(recorded).count(events.Event.PAYMENT_PAID) == 1


def test_an_expired_checkout_expires_the_payment_and_paying_again_starts_a_new_one(site):
    payment = pending_payment()
    services.checkout_url(payment, language="ja")

    site.expire(payment.checkout_id)
    site.deliver()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED and payment.expired_at is not None
    renewed = services.payment_to_pay(payment.submission)
    assert renewed is not None and renewed.pk != payment.pk
    assert (renewed.status, renewed.amount, renewed.lines) == ("pending", 1150, payment.lines)
    with pytest.raises(services.PaymentNotPayable):
        services.checkout_url(payment, language="ja")


def test_polling_closes_a_checkout_left_open_past_its_expiry(site):
    payment = pending_payment()
    services.checkout_url(payment, language="ja")
    later = payment.checkout_expires_at + _minutes(1)

    services.reconcile_pending(older_than=_zero(), now=later)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED


def test_a_retried_checkout_creation_returns_the_same_session(site):
    payment = pending_payment()
    first = services.checkout_url(payment, language="ja")
    request = services._checkout_request(payment, language="ja")
    provider = registry.provider("stripe")

    again = provider.create_checkout(account(data.KAGA), request)
    once_more = services.checkout_url(payment, language="ja")

    assert again.id == payment.checkout_id
    assert first == again.url == once_more


def test_pay_button_sends_to_checkout_and_the_return_page_to_the_status_page(site, client):
    submission = data.application()
    token = status_links.issue(submission)

    answer = client.post(reverse("payments:pay", kwargs={"token": token}))
    assert answer.status_code == 303
    paid = site.pay(answer["Location"])
    back = client.get(paid.redirect.removeprefix(site.base_url))

    assert back.status_code == 302
    assert back["Location"] == reverse("submissions:status", kwargs={"token": token})
    assert selectors.live_payment(submission).status == PaymentStatus.PAID
    again = client.post(reverse("payments:pay", kwargs={"token": token}))
    assert again["Location"] == reverse("submissions:status", kwargs={"token": token})


def test_the_return_page_in_another_browser_shows_only_the_status(site, client):
    payment = pending_payment()
    paid = site.pay(services.checkout_url(payment, language="ja"))

    page = client.get(paid.redirect.removeprefix(site.base_url))

    assert page.status_code == 200
    assert payment.submission.receipt_number not in page.content.decode()
    assert "payment-status" in page.content.decode()


def test_pay_with_an_unknown_status_link_is_not_found(site, client):
    assert client.post(reverse("payments:pay", kwargs={"token": "nope"})).status_code == 404


def _zero():
    from datetime import timedelta

    return timedelta(0)


def _minutes(n: int):
    from datetime import timedelta

    return timedelta(minutes=n)


def test_pay_needs_the_csrf_token_of_the_status_page(site):
    token = status_links.issue(data.application())

    answer = Client(enforce_csrf_checks=True).post(reverse("payments:pay", kwargs={"token": token}))

    assert answer.status_code == 403


def test_pay_is_rate_limited_like_other_resident_posts(site, client, settings):
    settings.MADOGUCHI_RATE_LIMITS = {**settings.MADOGUCHI_RATE_LIMITS, "draft_start": 1}
    token = status_links.issue(data.application())
    url = reverse("payments:pay", kwargs={"token": token})
    cache.clear()

    first, second = client.post(url), client.post(url)

    assert (first.status_code, second.status_code) == (303, 429)


def test_paypay_approved_on_its_page_pays(site):
    payment = pending_payment(data.ALL_METHODS)
    services.checkout_url(payment, language="ja")

    assert site.pay(payment.checkout_id, method="paypay").ok
    services.sync_from_provider(payment)

    assert (payment.status, payment.method) == (PaymentStatus.PAID, "paypay")
