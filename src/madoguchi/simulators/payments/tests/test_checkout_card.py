"""Stripe's SDK creates and reads a Checkout Session; a card pays it; the webhook is signed."""

from __future__ import annotations

import pytest
import stripe

from madoguchi.testing.payments import CARD_3DS, CARD_DECLINED, CARD_LATE_WEBHOOK

from .conftest import KOBE, session_params

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sdk_creates_and_retrieves_an_open_session(kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    again = kaga.v1.checkout.sessions.retrieve(created.id)

    assert created.id.startswith("cs_test_")
    assert isinstance(again, stripe.checkout.Session)
    assert (again.status, again.payment_status, again.amount_total, again.currency) == (
        "open",
        "unpaid",
        600,
        "jpy",
    )
    assert again.metadata["payment"] == "p-1"
    assert again.url.endswith(f"/paysim/checkout/{created.id}/")
    assert again.payment_intent is None


def test_paying_with_4242_completes_the_session_and_redirects_to_success_url(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    paid = paysim.pay(created.url)

    assert paid.redirect == f"https://app.example.jp/payments/return/x/?session={created.id}"
    session = kaga.v1.checkout.sessions.retrieve(
        created.id, params={"expand": ["payment_intent.latest_charge.balance_transaction"]}
    )
    assert (session.status, session.payment_status) == ("complete", "paid")
    intent = session.payment_intent
    assert (intent.status, intent.amount_received) == ("succeeded", 600)
    balance = intent.latest_charge.balance_transaction
    assert (balance.amount, balance.fee, balance.net, balance.reporting_category) == (
        600,
        22,
        578,
        "charge",
    )


def test_completed_webhook_is_signed_for_construct_event(paysim, kaga, receiver, webhook_secret):
    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id)

    sent = paysim.deliver()

    assert [s.status for s in sent] == [200]
    (event,) = receiver.events(webhook_secret)
    assert event.type == "checkout.session.completed"
    assert event.data.object.id == created.id
    assert event.data.object.payment_status == "paid"
    assert event.livemode is False
    assert paysim.deliver() == []


def test_a_wrong_secret_fails_construct_event(paysim, kaga, receiver, webhook_secret):
    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id)
    (event,) = paysim.events("checkout.session.completed")

    paysim.forge(event["id"])

    with pytest.raises(stripe.SignatureVerificationError):
        receiver.events(webhook_secret)


def test_declined_card_shows_the_error_and_the_session_stays_open(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    declined = paysim.pay(created.id, card=CARD_DECLINED)
    retried = paysim.pay(created.id)

    assert (declined.ok, declined.status) == (False, 402)
    assert "declined" in declined.html or "拒否" in declined.html
    assert retried.ok
    session = kaga.v1.checkout.sessions.retrieve(created.id, params={"expand": ["payment_intent"]})
    assert session.payment_intent.status == "succeeded"


def test_3d_secure_failure_leaves_the_session_open_and_success_pays(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    failed = paysim.pay(created.id, card=CARD_3DS, three_d_secure=False)
    status_after_failure = kaga.v1.checkout.sessions.retrieve(created.id).status
    passed = paysim.pay(created.id, card=CARD_3DS)

    assert not failed.ok
    assert status_after_failure == "open"
    assert passed.ok
    session = kaga.v1.checkout.sessions.retrieve(
        created.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert (
        session.payment_intent.latest_charge.payment_method_details.card.three_d_secure.result
        == "authenticated"
    )


def test_late_webhook_card_holds_the_event_until_held_delivery(
    paysim, kaga, receiver, webhook_secret
):
    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id, card=CARD_LATE_WEBHOOK)

    first = paysim.deliver()
    late = paysim.deliver(held=True)

    assert first == []
    assert kaga.v1.checkout.sessions.retrieve(created.id).payment_status == "paid"
    assert [s.type for s in late] == ["checkout.session.completed"]
    assert [e.type for e in receiver.events(webhook_secret)] == ["checkout.session.completed"]


def test_another_account_cannot_read_the_session(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    with pytest.raises(stripe.InvalidRequestError) as raised:
        paysim.client(KOBE).v1.checkout.sessions.retrieve(created.id)

    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
