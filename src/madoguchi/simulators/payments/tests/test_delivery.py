"""Webhook delivery: queued until delivered, retried, replayed, forged."""

from __future__ import annotations

import json

import pytest
import stripe

from madoguchi.simulators.payments import webhooks
from madoguchi.simulators.payments.models import Delivery, DeliveryState

from .conftest import session_params

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def completed(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id)
    (event,) = paysim.events("checkout.session.completed")
    return event


def test_the_signature_header_is_stripes_and_construct_event_accepts_it(
    paysim, completed, receiver, webhook_secret
):
    paysim.deliver()

    (request,) = receiver.received
    header = request.headers["Stripe-Signature"]
    event = stripe.Webhook.construct_event(request.body, header, webhook_secret)
    assert header.startswith("t=") and ",v1=" in header
    assert json.loads(request.body)["object"] == "event"
    assert event.api_version == "2026-02-25.clover"
    assert event.data.object.object == "checkout.session"


def test_a_non_2xx_answer_keeps_the_delivery_pending_for_the_next_round(
    paysim, completed, receiver
):
    receiver.answer = 500
    failed = paysim.deliver()
    receiver.answer = 200

    delivered = paysim.deliver()

    assert [s.status for s in failed] == [500]
    assert [s.status for s in delivered] == [200]
    assert Delivery.objects.get().attempts == 2


def test_replay_sends_a_delivered_event_again(paysim, completed, receiver, webhook_secret):
    paysim.deliver()

    paysim.replay(completed["id"])

    first, second = receiver.events(webhook_secret)
    assert first.id == second.id == completed["id"]


def test_a_forged_body_does_not_verify(paysim, completed, receiver, webhook_secret):
    tampered = json.dumps({**completed, "type": "charge.refunded"})

    paysim.forge(completed["id"], secret=webhook_secret + "x", body=tampered)

    with pytest.raises(stripe.SignatureVerificationError):
        receiver.events(webhook_secret)


def test_background_delivery_retries_with_backoff_until_2xx(
    paysim, completed, receiver, monkeypatch
):
    monkeypatch.setattr(webhooks, "BACKOFF", (0, 0, 0))
    monkeypatch.setattr(webhooks, "_close", lambda: None)  # the test's connection stays open
    answers = iter([503, 500, 200])
    monkeypatch.setattr(webhooks, "post", lambda url, payload, secret: (next(answers), ""))

    webhooks._deliver_in_background(completed["id"])

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.DELIVERED,
        3,
        200,
    )


def test_background_delivery_gives_up_after_its_retries(paysim, completed, monkeypatch):
    monkeypatch.setattr(webhooks, "BACKOFF", (0, 0))
    monkeypatch.setattr(webhooks, "_close", lambda: None)
    monkeypatch.setattr(webhooks, "post", lambda url, payload, secret: (None, "ConnectionError"))

    webhooks._deliver_in_background(completed["id"])

    assert Delivery.objects.get().state == DeliveryState.FAILED


def test_paysim_deliver_command_sends_held_events(paysim, kaga, receiver, webhook_secret):
    from django.core.management import call_command

    from madoguchi.testing.payments import CARD_LATE_WEBHOOK

    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id, card=CARD_LATE_WEBHOOK)

    call_command("paysim_deliver", verbosity=0)

    assert [e.type for e in receiver.events(webhook_secret)] == ["checkout.session.completed"]
