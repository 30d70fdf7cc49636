"""Konbini (paid later or never), PayPay, and sessions that expire."""

from __future__ import annotations

import pytest
import requests
import stripe

from .conftest import session_params

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def konbini_session(kaga):
    return kaga.v1.checkout.sessions.create(
        params=session_params(payment_method_types=["card", "konbini"])
    )


def test_konbini_completes_unpaid_with_a_payment_number(paysim, kaga, konbini_session):
    slip = paysim.pay(konbini_session.id, method="konbini")

    session = kaga.v1.checkout.sessions.retrieve(
        konbini_session.id, params={"expand": ["payment_intent"]}
    )
    assert not slip.ok
    assert 'data-testid="konbini-number"' in slip.html
    assert (session.status, session.payment_status) == ("complete", "unpaid")
    assert session.payment_intent.status == "requires_action"
    details = session.payment_intent.next_action.konbini_display_details
    assert details.stores.familymart.payment_code.isdigit()
    assert [e["type"] for e in paysim.events()] == ["checkout.session.completed"]


def test_paying_at_the_store_sends_async_payment_succeeded(
    paysim, kaga, konbini_session, receiver, webhook_secret
):
    paysim.pay(konbini_session.id, method="konbini")

    paysim.konbini_paid(konbini_session.id)
    paysim.deliver()

    session = kaga.v1.checkout.sessions.retrieve(
        konbini_session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert session.payment_status == "paid"
    assert session.payment_intent.latest_charge.payment_method_details.type == "konbini"
    assert [e.type for e in receiver.events(webhook_secret)] == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]


def test_an_expired_slip_sends_async_payment_failed(paysim, kaga, konbini_session):
    paysim.pay(konbini_session.id, method="konbini")

    paysim.expire(konbini_session.id)

    session = kaga.v1.checkout.sessions.retrieve(
        konbini_session.id, params={"expand": ["payment_intent"]}
    )
    assert (session.payment_status, session.payment_intent.status) == ("unpaid", "canceled")
    assert paysim.events()[-1]["type"] == "checkout.session.async_payment_failed"


def test_the_slip_page_offers_to_pretend_payment(paysim, konbini_session):
    slip = paysim.pay(konbini_session.id, method="konbini")

    assert "コンビニで支払ったことにする" in slip.html


def test_paypay_approved_pays_and_rejected_leaves_the_session_open(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(
        params=session_params(payment_method_types=["paypay"])
    )

    rejected = paysim.pay(created.id, method="paypay", approve=False)
    still_open = kaga.v1.checkout.sessions.retrieve(created.id).status
    approved = paysim.pay(created.id, method="paypay")

    assert not rejected.ok
    assert still_open == "open"
    assert approved.ok
    session = kaga.v1.checkout.sessions.retrieve(
        created.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert session.payment_status == "paid"
    assert session.payment_intent.latest_charge.payment_method_details.type == "paypay"


def test_a_method_the_session_does_not_offer_is_refused(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    refused = paysim.pay(created.id, method="konbini")

    assert (refused.ok, refused.status) == (False, 422)


def test_expire_endpoint_expires_an_open_session_once(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    expired = kaga.v1.checkout.sessions.expire(created.id)
    with pytest.raises(stripe.InvalidRequestError):
        kaga.v1.checkout.sessions.expire(created.id)

    assert (expired.status, expired.url) == ("expired", None)
    assert [e["type"] for e in paysim.events()] == ["checkout.session.expired"]
    page = requests.get(created.url, timeout=10)
    assert page.status_code == 410


def test_a_session_past_expires_at_expires_when_anything_asks(paysim, kaga):
    from madoguchi.simulators.payments.models import StoredObject

    created = kaga.v1.checkout.sessions.create(params=session_params())
    stored = StoredObject.objects.get(id=created.id)
    stored.data["expires_at"] = stored.data["created"] - 1
    stored.save()

    session = kaga.v1.checkout.sessions.retrieve(created.id)

    assert session.status == "expired"
    assert [e["type"] for e in paysim.events()] == ["checkout.session.expired"]


def test_the_expire_helper_expires_an_open_session(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())

    paysim.expire(created.id)

    assert kaga.v1.checkout.sessions.retrieve(created.id).status == "expired"


def test_expires_at_must_be_between_30_minutes_and_24_hours(kaga):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        kaga.v1.checkout.sessions.create(params=session_params(expires_at=1))

    assert raised.value.param == "expires_at"


def test_a_paid_session_cannot_be_paid_again(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id)

    again = paysim.pay(created.id)

    assert again.redirect.endswith(created.id)  # straight to success_url
    assert len(paysim.events("checkout.session.completed")) == 1


def test_konbini_expires_after_days_sets_the_slips_deadline(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(
        params=session_params(
            payment_method_types=["konbini"],
            payment_method_options={"konbini": {"expires_after_days": 7}},
        )
    )
    paysim.pay(created.id, method="konbini")

    intent = kaga.v1.checkout.sessions.retrieve(
        created.id, params={"expand": ["payment_intent"]}
    ).payment_intent

    deadline = intent.next_action.konbini_display_details.expires_at
    assert 7 * 86400 - 60 <= deadline - intent.created <= 7 * 86400 + 60
