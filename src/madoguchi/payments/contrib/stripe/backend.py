"""Stripe: the payment provider Madoguchi supports out of the box.

Why Stripe rather than PAY.JP (both serve Japanese merchants in yen):

* one account takes cards, konbini (コンビニ払い) and PayPay, the three ways residents
  asked for; PAY.JP's API takes cards (and PayPay separately), not konbini;
* Checkout is a hosted page: the card number is typed on Stripe's page, so no card data
  ever touches Madoguchi and the city stays out of PCI DSS scope beyond SAQ A;
* webhooks are signed (HMAC-SHA256 with a timestamp, checked here with a 300 s tolerance),
  so a notification can be told from a forgery or a replay;
* every creating request takes an ``Idempotency-Key``: a retried request (a timeout, a
  double click) returns the first answer instead of a second checkout or refund;
* refunds are an API call, and each payment's balance transaction states the fee and the
  net amount, which the treasury needs to reconcile (消込) deposits with applications;
* the official SDK can be pointed at another address (``base_addresses``), so development
  and tests run against the simulator (``madoguchi.simulators.payments``) over real HTTP.

This module only talks to Stripe; the payments app decides what a state change means.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from madoguchi.core.origins import origin
from madoguchi.payments.providers.base import (
    Account,
    Checkout,
    CheckoutRequest,
    InvalidSignature,
    Notice,
    NoticeKind,
    PaymentProvider,
    ProviderError,
    ProviderPayment,
    Refund,
    RefundState,
    State,
)

logger = logging.getLogger("madoguchi.payments.stripe")

# Seconds a webhook's signed timestamp may be old (Stripe's default, stated on purpose).
WEBHOOK_TOLERANCE = 300
# A konbini voucher can be paid for this many days (Stripe allows 1 to 60).
KONBINI_DAYS = 3

_CHECKOUT_EVENTS = {
    "checkout.session.completed": NoticeKind.CHECKOUT_COMPLETED,
    "checkout.session.async_payment_succeeded": NoticeKind.CHECKOUT_PAID,
    "checkout.session.async_payment_failed": NoticeKind.CHECKOUT_FAILED,
    "checkout.session.expired": NoticeKind.CHECKOUT_EXPIRED,
}
_REFUND_STATES = {
    "succeeded": RefundState.SUCCEEDED,
    "failed": RefundState.FAILED,
    "canceled": RefundState.FAILED,
}


# Where Stripe Checkout sends the resident (docs.stripe.com: CSP for Checkout's redirect).
CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def client(account: Account) -> stripe.StripeClient:
    """The SDK's client for one municipality's account (at the simulator when api_base)."""
    if account.api_base:
        return stripe.StripeClient(
            account.secret_key, base_addresses={"api": account.api_base}, max_network_retries=2
        )
    return stripe.StripeClient(account.secret_key, max_network_retries=2)


def _id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value.get("id") or "")


def _expanded(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = "Stripe"

    def checkout_origins(self, account: Account) -> list[str]:
        # Stripe Checkout's hosted pages; a development account's simulator serves its own
        # pages beside its API (the simulator's origin).
        return [origin(account.api_base) if account.api_base else CHECKOUT_ORIGIN]

    def create_checkout(self, account: Account, request: CheckoutRequest) -> Checkout:
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": list(request.methods),
            "line_items": [
                {
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": line.unit_amount,
                        "product_data": {"name": line.name},
                    },
                    "quantity": line.quantity,
                }
                for line in request.lines
            ],
            "client_reference_id": request.payment_id,
            "metadata": {"payment": request.payment_id, "receipt_number": request.receipt_number},
            "payment_intent_data": {
                "metadata": {"payment": request.payment_id},
                "description": request.receipt_number,
            },
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
            "locale": "en" if request.language.startswith("en") else "ja",
        }
        if "konbini" in request.methods:
            params["payment_method_options"] = {"konbini": {"expires_after_days": KONBINI_DAYS}}
        try:
            session = client(account).v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as error:
            raise ProviderError(_describe(error)) from error
        expires = session.get("expires_at")
        return Checkout(
            id=session["id"],
            url=session["url"],
            expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        )

    def fetch(self, account: Account, checkout_id: str) -> ProviderPayment:
        stripe_client = client(account)
        try:
            session = stripe_client.v1.checkout.sessions.retrieve(
                checkout_id, {"expand": ["payment_intent.latest_charge.balance_transaction"]}
            )
            intent = self._intent(stripe_client, session.get("payment_intent"))
            charge = self._charge(stripe_client, intent)
            balance = self._balance(stripe_client, charge)
        except stripe.StripeError as error:
            raise ProviderError(_describe(error)) from error
        status = session.get("status")
        paid = session.get("payment_status") == "paid"
        if status == "complete" and paid:
            state = State.PAID
        elif status == "expired":
            state = State.EXPIRED
        elif (
            status == "complete"
            and intent is not None
            and intent.get("status") in ("canceled", "requires_payment_method")
        ):
            state = State.FAILED  # a konbini voucher that was not paid in time
        else:
            state = State.PENDING
        metadata = session.get("metadata") or {}
        return ProviderPayment(
            checkout_id=session["id"],
            state=state,
            amount=int(session.get("amount_total") or 0),
            currency=str(session.get("currency") or ""),
            payment_id=str(metadata.get("payment") or ""),
            reference=_id(session.get("payment_intent")),
            method=_method(intent, charge),
            fee=int(balance["fee"]) if balance is not None and paid else None,
            net=int(balance["net"]) if balance is not None and paid else None,
            open=status == "open",
        )

    def _intent(self, stripe_client: stripe.StripeClient, value: Any) -> Mapping[str, Any] | None:
        if not value:
            return None
        intent = _expanded(value)
        if intent is None:
            intent = stripe_client.v1.payment_intents.retrieve(
                value, {"expand": ["latest_charge.balance_transaction"]}
            )
        return intent

    def _charge(
        self, stripe_client: stripe.StripeClient, intent: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | None:
        if intent is None or not intent.get("latest_charge"):
            return None
        charge = _expanded(intent["latest_charge"])
        if charge is None:
            charge = stripe_client.v1.charges.retrieve(
                intent["latest_charge"], {"expand": ["balance_transaction"]}
            )
        return charge

    def _balance(
        self, stripe_client: stripe.StripeClient, charge: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | None:
        if charge is None or not charge.get("balance_transaction"):
            return None
        balance = _expanded(charge["balance_transaction"])
        if balance is None:
            balance = stripe_client.v1.balance_transactions.retrieve(charge["balance_transaction"])
        return balance

    def expire(self, account: Account, checkout_id: str) -> None:
        stripe_client = client(account)
        try:
            session = stripe_client.v1.checkout.sessions.retrieve(checkout_id)
            if session.get("status") == "open":
                stripe_client.v1.checkout.sessions.expire(checkout_id)
        except stripe.InvalidRequestError as error:
            # Completed or expired in between: the caller asks again with fetch.
            logger.info("stripe: checkout %s not expired: %s", checkout_id, _describe(error))
        except stripe.StripeError as error:
            raise ProviderError(_describe(error)) from error

    def refund(
        self, account: Account, *, reference: str, amount: int, payment_id: str, key: str
    ) -> Refund:
        try:
            refund = client(account).v1.refunds.create(
                {
                    "payment_intent": reference,
                    "amount": amount,
                    "metadata": {"payment": payment_id},
                },
                {"idempotency_key": key},
            )
        except stripe.StripeError as error:
            raise ProviderError(_describe(error)) from error
        return _refund(refund)

    def fetch_refund(self, account: Account, refund_reference: str) -> Refund:
        try:
            refund = client(account).v1.refunds.retrieve(refund_reference)
        except stripe.StripeError as error:
            raise ProviderError(_describe(error)) from error
        return _refund(refund)

    def parse_webhook(self, account: Account, body: bytes, headers: Mapping[str, str]) -> Notice:
        signature = headers.get("Stripe-Signature") or headers.get("stripe-signature") or ""
        try:
            event = stripe.Webhook.construct_event(
                body, signature, account.webhook_secret, tolerance=WEBHOOK_TOLERANCE
            )
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidSignature(str(error)) from None
        event_type = str(event.get("type") or "")
        data = event.get("data") or {}
        thing: Mapping[str, Any] = data.get("object") or {}
        event_id = str(event.get("id") or "")
        if not event_id:
            raise InvalidSignature("an event without an id")
        metadata = thing.get("metadata") or {}
        if event_type in _CHECKOUT_EVENTS:
            return Notice(
                event_id=event_id,
                event_type=event_type,
                kind=_CHECKOUT_EVENTS[event_type],
                checkout_id=str(thing.get("id") or ""),
                reference=_id(thing.get("payment_intent")),
                payment_id=str(metadata.get("payment") or ""),
                amount=_int(thing.get("amount_total")),
                currency=str(thing.get("currency") or ""),
            )
        if event_type == "charge.refunded":
            return Notice(
                event_id=event_id,
                event_type=event_type,
                kind=NoticeKind.REFUND_SUCCEEDED if thing.get("refunded") else NoticeKind.OTHER,
                reference=_id(thing.get("payment_intent")),
                payment_id=str(metadata.get("payment") or ""),
                amount=_int(thing.get("amount_refunded")),
                currency=str(thing.get("currency") or ""),
            )
        if event_type in ("refund.created", "refund.updated", "refund.failed"):
            state = _REFUND_STATES.get(str(thing.get("status")), RefundState.PENDING)
            kind = {
                RefundState.SUCCEEDED: NoticeKind.REFUND_SUCCEEDED,
                RefundState.FAILED: NoticeKind.REFUND_FAILED,
                RefundState.PENDING: NoticeKind.REFUND_PENDING,
            }[state]
            return Notice(
                event_id=event_id,
                event_type=event_type,
                kind=kind,
                reference=_id(thing.get("payment_intent")),
                refund_reference=str(thing.get("id") or ""),
                payment_id=str(metadata.get("payment") or ""),
                amount=_int(thing.get("amount")),
                currency=str(thing.get("currency") or ""),
            )
        return Notice(event_id=event_id, event_type=event_type, kind=NoticeKind.OTHER)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _refund(refund: Mapping[str, Any]) -> Refund:
    return Refund(
        reference=str(refund["id"]),
        state=_REFUND_STATES.get(str(refund.get("status")), RefundState.PENDING),
        amount=int(refund.get("amount") or 0),
        currency=str(refund.get("currency") or ""),
    )


def _method(intent: Mapping[str, Any] | None, charge: Mapping[str, Any] | None) -> str:
    """card, konbini or paypay: what the resident paid with (never more of the card)."""
    details = (charge or {}).get("payment_method_details") or {}
    if details.get("type"):
        return str(details["type"])
    types = (intent or {}).get("payment_method_types") or []
    return str(types[0]) if len(types) == 1 else ""


def _describe(error: stripe.StripeError) -> str:
    """The error's kind, code and HTTP status (its message may echo request values)."""
    return (
        f"{type(error).__name__} code={error.code or '-'} status={error.http_status or '-'} "
        f"request={error.request_id or '-'}"
    )
