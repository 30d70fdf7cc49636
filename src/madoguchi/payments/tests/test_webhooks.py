"""Webhooks from the simulator over real HTTP: applied once, replays and forgeries refused."""

from __future__ import annotations

import json

import pytest
import requests
from django.urls import reverse

from madoguchi.core import events
from madoguchi.payments import services
from madoguchi.payments.models import Payment, WebhookEvent
from madoguchi.payments.states import PaymentStatus
from madoguchi.simulators.payments.webhooks import post

from . import data
from .fixtures import *  # noqa: F403 (the fixtures paysim, site, recorded)
from .fixtures import kinds

pytestmark = pytest.mark.django_db(transaction=True)


def paid_at_provider(site) -> tuple[Payment, str]:
    """A payment the resident paid, whose checkout.session.completed is not delivered yet."""
    payment = services.start_payment(data.application())
    assert payment is not None
    assert site.pay(services.checkout_url(payment, language="ja")).ok
    (event,) = site.events("checkout.session.completed")
    return payment, event["id"]


def completed(site, payment: Payment) -> list:
    return [s for s in site.deliver() if s.type == "checkout.session.completed"]


def test_the_completed_webhook_pays_once_and_its_replay_answers_200_changing_nothing(
    site, recorded
):
    payment, event_id = paid_at_provider(site)

    (first,) = completed(site, payment)
    payment.refresh_from_db()
    serial = payment.receipt_serial
    replayed = site.replay(event_id)

    assert (first.status, [s.status for s in replayed]) == (200, [200])
    payment.refresh_from_db()
    assert (payment.status, payment.receipt_serial) == (PaymentStatus.PAID, serial)
    stored = WebhookEvent.objects.get(event_id=event_id)
    assert (stored.outcome, stored.payment, stored.event_type) == (
        "applied",
        payment,
        "checkout.session.completed",
    )
    assert kinds(recorded).count(events.Event.PAYMENT_PAID) == 1


def test_a_webhook_signed_with_another_secret_is_refused_with_400(site):
    payment, event_id = paid_at_provider(site)

    sent = site.forge(event_id)

    assert [s.status for s in sent] == [400]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not WebhookEvent.objects.exists()


def test_a_signed_webhook_with_another_payments_amount_is_a_mismatch_and_changes_nothing(
    site, caplog
):
    payment, _event_id = paid_at_provider(site)
    (event,) = site.events("checkout.session.completed")
    event["id"] = "evt_test_tampered"
    event["data"]["object"]["amount_total"] = 300
    secret = site.accounts[data.KAGA]["webhook_secret"]
    url = site.base_url + reverse(
        "payments:webhook", kwargs={"provider": "stripe", "account": data.KAGA}
    )

    status, _error = post(url, json.dumps(event), secret)

    assert status == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert WebhookEvent.objects.get(event_id="evt_test_tampered").outcome == "mismatch"
    assert "加賀" not in caplog.text and "taro@example.jp" not in caplog.text


def test_a_signed_webhook_naming_another_payment_id_is_a_mismatch(site):
    payment, _event_id = paid_at_provider(site)
    other = services.start_payment(data.application(data.fee_form(slug="other")))
    (event,) = site.events("checkout.session.completed")
    event["id"] = "evt_test_other_payment"
    event["data"]["object"]["metadata"]["payment"] = str(other.public_id)
    secret = site.accounts[data.KAGA]["webhook_secret"]
    url = site.base_url + reverse(
        "payments:webhook", kwargs={"provider": "stripe", "account": data.KAGA}
    )

    post(url, json.dumps(event), secret)

    payment.refresh_from_db()
    other.refresh_from_db()
    assert (payment.status, other.status) == (PaymentStatus.PENDING, PaymentStatus.PENDING)
    assert WebhookEvent.objects.get(event_id="evt_test_other_payment").outcome == "mismatch"


def test_an_event_about_no_payment_of_ours_is_kept_as_unknown_and_answered_200(site):
    secret = site.accounts[data.KAGA]["webhook_secret"]
    body = {
        "id": "evt_test_stranger",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": "cs_test_not_ours",
                "object": "checkout.session",
                "amount_total": 500,
                "currency": "jpy",
                "metadata": {},
            }
        },
    }
    url = site.base_url + reverse(
        "payments:webhook", kwargs={"provider": "stripe", "account": data.KAGA}
    )

    status, _error = post(url, json.dumps(body), secret)

    assert status == 200
    assert WebhookEvent.objects.get(event_id="evt_test_stranger").outcome == "unknown_payment"


def test_an_event_type_we_do_not_handle_is_answered_200_and_ignored(site):
    secret = site.accounts[data.KAGA]["webhook_secret"]
    body = {"id": "evt_test_other", "object": "event", "type": "customer.created", "data": {}}
    url = site.base_url + reverse(
        "payments:webhook", kwargs={"provider": "stripe", "account": data.KAGA}
    )

    status, _error = post(url, json.dumps(body), secret)

    assert status == 200
    assert WebhookEvent.objects.get(event_id="evt_test_other").outcome == "ignored"


@pytest.mark.parametrize(("provider", "account"), [("stripe", "999999"), ("payjp", data.KAGA)])
def test_a_webhook_for_an_unknown_account_or_provider_is_refused(site, provider, account):
    url = site.base_url + reverse(
        "payments:webhook", kwargs={"provider": provider, "account": account}
    )

    answer = requests.post(url, data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}, timeout=10)

    assert answer.status_code == 400


def test_a_webhook_without_a_signature_is_refused(site):
    url = site.base_url + reverse(
        "payments:webhook", kwargs={"provider": "stripe", "account": data.KAGA}
    )

    answer = requests.post(url, data=b'{"id": "evt_1"}', timeout=10)

    assert answer.status_code == 400
