"""The REST subset through Stripe's official SDK over real HTTP: objects, errors, idempotency."""

from __future__ import annotations

import pytest
import requests
import stripe

from .conftest import session_params

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid_session(paysim, kaga):
    created = kaga.v1.checkout.sessions.create(params=session_params())
    assert paysim.pay(created.id).ok
    return kaga.v1.checkout.sessions.retrieve(
        created.id, params={"expand": ["payment_intent.latest_charge.balance_transaction"]}
    )


def test_an_unknown_key_raises_authentication_error(paysim):
    client = stripe.StripeClient(
        "sk_test_nobody",
        base_addresses={"api": paysim.api_base},
        max_network_retries=0,
        http_client=stripe.RequestsClient(),
    )

    with pytest.raises(stripe.AuthenticationError) as raised:
        client.v1.checkout.sessions.create(params=session_params())

    assert raised.value.http_status == 401


def test_no_key_is_refused_with_401(paysim):
    answer = requests.get(f"{paysim.api_base}/v1/checkout/sessions", timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_missing_and_invalid_params_raise_invalid_request_error_naming_the_param(kaga):
    with pytest.raises(stripe.InvalidRequestError) as no_items:
        kaga.v1.checkout.sessions.create(params=session_params(line_items=None))
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        kaga.v1.checkout.sessions.create(params=session_params(colour="blue"))
    with pytest.raises(stripe.InvalidRequestError) as too_small:
        kaga.v1.checkout.sessions.create(
            params=session_params(
                line_items=[
                    {
                        "price_data": {
                            "currency": "jpy",
                            "unit_amount": 10,
                            "product_data": {"name": "x"},
                        },
                        "quantity": 1,
                    }
                ]
            )
        )

    assert (no_items.value.http_status, no_items.value.param) == (400, "line_items")
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "colour")
    assert too_small.value.code == "amount_too_small"


def test_an_unknown_id_raises_resource_missing(kaga):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        kaga.v1.payment_intents.retrieve("pi_nothing")

    assert (raised.value.http_status, raised.value.code) == (404, "resource_missing")


def test_same_idempotency_key_and_params_give_the_stored_answer(kaga):
    options = {"idempotency_key": "payment-1-checkout"}

    first = kaga.v1.checkout.sessions.create(params=session_params(), options=options)
    second = kaga.v1.checkout.sessions.create(params=session_params(), options=options)

    assert first.id == second.id
    assert len(kaga.v1.checkout.sessions.list().data) == 1


def test_same_idempotency_key_with_other_params_raises_idempotency_error(kaga):
    options = {"idempotency_key": "payment-2-checkout"}
    kaga.v1.checkout.sessions.create(params=session_params(), options=options)

    with pytest.raises(stripe.IdempotencyError) as raised:
        kaga.v1.checkout.sessions.create(
            params=session_params(metadata={"payment": "p-2"}), options=options
        )

    assert raised.value.http_status == 400


def test_an_error_answer_is_replayed_for_its_idempotency_key(paysim, kaga):
    options = {"idempotency_key": "bad-once"}
    with pytest.raises(stripe.InvalidRequestError):
        kaga.v1.checkout.sessions.create(params=session_params(mode="setup"), options=options)

    with pytest.raises(stripe.InvalidRequestError) as again:
        kaga.v1.checkout.sessions.create(params=session_params(mode="setup"), options=options)

    assert again.value.headers.get("Idempotent-Replayed") == "true"


def test_nested_metadata_line_items_and_client_reference_are_kept(kaga):
    created = kaga.v1.checkout.sessions.create(
        params=session_params(
            client_reference_id="R-172065-2026-000001",
            payment_method_types=["card", "konbini", "paypay"],
            metadata={"payment": "p-3", "lg_code": "172065"},
            payment_intent_data={"metadata": {"payment": "p-3"}},
        )
    )

    items = kaga.v1.checkout.sessions.line_items.list(created.id)
    session = kaga.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items"]})

    assert created.client_reference_id == "R-172065-2026-000001"
    assert created.payment_method_types == ["card", "konbini", "paypay"]
    assert dict(created.metadata) == {"payment": "p-3", "lg_code": "172065"}
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("住民票の写し", 2, 600)
    ]
    assert session.line_items.data[0].price.unit_amount == 300


def test_payment_intent_charge_and_balance_transaction_are_linked(kaga, paid_session):
    intent = paid_session.payment_intent

    charge = kaga.v1.charges.retrieve(intent.latest_charge.id)
    balance = kaga.v1.balance_transactions.retrieve(charge.balance_transaction)
    again = kaga.v1.payment_intents.retrieve(intent.id)

    assert intent.id.startswith("pi_") and charge.id.startswith("ch_")
    assert balance.id.startswith("txn_")
    assert again.metadata == intent.metadata
    assert (charge.amount, charge.paid, charge.status, charge.payment_intent) == (
        600,
        True,
        "succeeded",
        intent.id,
    )
    assert charge.payment_method_details.card.last4 == "4242"
    assert (balance.source, balance.type, balance.currency) == (charge.id, "charge", "jpy")
    assert balance.available_on > balance.created


@pytest.mark.parametrize(("amount", "fee"), [(600, 22), (250, 9), (125, 5), (10_000, 360)])
def test_fee_is_3_6_percent_rounded_half_up(amount, fee):
    from madoguchi.simulators.payments.services import fee_for

    assert fee_for(amount) == fee


def test_a_refund_creates_a_negative_balance_transaction_and_events(
    paysim, kaga, paid_session, receiver, webhook_secret
):
    paysim.deliver()
    receiver.received.clear()

    refund = kaga.v1.refunds.create(
        params={"payment_intent": paid_session.payment_intent.id, "reason": "requested_by_customer"}
    )
    paysim.deliver()

    assert refund.id.startswith("re_") and refund.status == "succeeded"
    assert kaga.v1.refunds.retrieve(refund.id).amount == 600
    balance = kaga.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (balance.amount, balance.fee, balance.net, balance.reporting_category) == (
        -600,
        0,
        -600,
        "refund",
    )
    charge = kaga.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (600, True)
    events = receiver.events(webhook_secret)
    assert [e.type for e in events] == ["refund.created", "charge.refunded"]
    assert events[1].data.previous_attributes.amount_refunded == 0


def test_partial_refunds_then_too_much(kaga, paid_session):
    charge_id = paid_session.payment_intent.latest_charge.id
    kaga.v1.refunds.create(params={"charge": charge_id, "amount": 200})

    with pytest.raises(stripe.InvalidRequestError) as raised:
        kaga.v1.refunds.create(params={"charge": charge_id, "amount": 500})

    assert raised.value.code == "amount_too_large"
    assert kaga.v1.charges.retrieve(charge_id).refunded is False


def test_updating_refund_metadata_sends_refund_updated(paysim, kaga, paid_session):
    refund = kaga.v1.refunds.create(params={"payment_intent": paid_session.payment_intent.id})

    kaga.v1.refunds.update(refund.id, params={"metadata": {"ticket": "42"}})

    (event,) = paysim.events("refund.updated")
    assert event["data"]["object"]["metadata"] == {"ticket": "42"}


def test_balance_transactions_list_pages_by_creation_window(paysim, kaga):
    for _ in range(3):
        created = kaga.v1.checkout.sessions.create(params=session_params())
        assert paysim.pay(created.id).ok
    everything = kaga.v1.balance_transactions.list(params={"limit": 100}).data
    first = min(t.created for t in everything)

    page = kaga.v1.balance_transactions.list(params={"limit": 2, "created": {"gte": first}})
    rest = kaga.v1.balance_transactions.list(
        params={"limit": 2, "created": {"gte": first}, "starting_after": page.data[-1].id}
    )
    walked = list(page.auto_paging_iter())
    none = kaga.v1.balance_transactions.list(params={"created": {"lt": first}})

    assert len(everything) == 3
    assert (len(page.data), page.has_more) == (2, True)
    assert (len(rest.data), rest.has_more) == (1, False)
    assert {t.id for t in walked} == {t.id for t in everything}
    assert none.data == []


def test_events_are_retrieved_as_sent(paysim, kaga, paid_session):
    (sent,) = paysim.events("checkout.session.completed")

    event = kaga.v1.events.retrieve(sent["id"])

    assert event.id.startswith("evt_")
    assert (event.type, event.data.object.id) == ("checkout.session.completed", paid_session.id)


def test_sessions_list_filters_by_payment_intent(kaga, paid_session):
    found = kaga.v1.checkout.sessions.list(
        params={"payment_intent": paid_session.payment_intent.id}
    )

    assert [s.id for s in found.data] == [paid_session.id]


def test_a_registered_webhook_endpoint_gets_its_own_secret(paysim, kaga, receiver):
    endpoint = kaga.v1.webhook_endpoints.create(
        params={"url": receiver.url, "enabled_events": ["checkout.session.completed"]}
    )
    created = kaga.v1.checkout.sessions.create(params=session_params())
    paysim.pay(created.id)

    sent = paysim.deliver()

    assert endpoint.secret.startswith("whsec_")
    assert len(sent) == 2
    by_own_secret = [
        r
        for r in receiver.received
        if _verifies(r.body, r.headers["Stripe-Signature"], endpoint.secret)
    ]
    assert len(by_own_secret) == 1


def _verifies(body: bytes, header: str, secret: str) -> bool:
    try:
        stripe.Webhook.construct_event(body, header, secret)
    except stripe.SignatureVerificationError:
        return False
    return True
