"""What happens on the simulated provider: sessions, payments, refunds, expiry.

Objects are kept in Stripe's unexpanded JSON shape (``StoredObject.data``); every state
change that Stripe announces emits the same event type through ``webhooks.emit``.
Amounts are JPY, a zero-decimal currency: 500 means ¥500.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import StoredObject
from .protocol import Account, ApiError, invalid, missing, new_id
from .webhooks import emit

METHODS = ("card", "konbini", "paypay")
MIN_AMOUNT = 50  # Stripe's minimum charge in JPY
MAX_AMOUNT = 99_999_999
SESSION_LIFETIME = 24 * 60 * 60  # Stripe's default and maximum expires_at
SESSION_MIN_LIFETIME = 30 * 60
KONBINI_DAYS = 3  # payment_method_options.konbini.expires_after_days default
FEE_PER_MILLE = 36  # Stripe Japan: 3.6 % per successful payment
PAYOUT_DAYS = 4


def now() -> int:
    return int(time.time())


def fee_for(amount: int) -> int:
    """3.6 % of ``amount`` rounded half up to the yen.

    Stripe works the percentage out on the amount and rounds it to the currency's smallest
    unit (the yen for JPY); halves go up here (¥250 → ¥9, from 9.0; ¥125 → ¥5, from 4.5).
    """
    return (amount * FEE_PER_MILLE + 500) // 1000


def _available_on(created: int) -> int:
    day = datetime.fromtimestamp(created, tz=UTC).replace(hour=0, minute=0, second=0)
    return int((day + timedelta(days=PAYOUT_DAYS)).timestamp())


def load(account: str, kind: str, object_id: str, *, param: str = "id") -> StoredObject:
    found = StoredObject.objects.filter(id=object_id, account=account, kind=kind).first()
    if found is None:
        raise missing(kind, object_id, param)
    return found


def _save(obj: StoredObject) -> None:
    obj.save(update_fields=["data", "private"])


# --- checkout sessions -----------------------------------------------------------------

SESSION_PARAMS = {
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "payment_method_types",
    "metadata",
    "client_reference_id",
    "customer_email",
    "expires_at",
    "locale",
    "currency",
    "payment_intent_data",
    "payment_method_options",
    "submit_type",
    "expand",
}


def _integer(value: Any, param: str, *, minimum: int = 0) -> int:
    if not isinstance(value, str) or not value.lstrip("-").isdigit():
        raise invalid(param, f"Invalid integer: {value}", "parameter_invalid_integer")
    number = int(value)
    if number < minimum:
        raise invalid(
            param,
            f"This value must be greater than or equal to {minimum}.",
            "parameter_invalid_integer",
        )
    return number


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
        raise invalid(param, "Invalid hash", "parameter_invalid_hash")
    if len(value) > 50:
        raise invalid(param, "Metadata can have up to 50 keys.")
    return dict(value)


def _unknown(params: dict[str, Any], allowed: set[str]) -> None:
    for name in params:
        if name not in allowed:
            raise ApiError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


def _line_items(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise invalid("line_items", "You must provide at least one line item.", "parameter_missing")
    items = []
    for index, raw in enumerate(value):
        where = f"line_items[{index}]"
        if not isinstance(raw, dict):
            raise invalid(where, "Invalid hash", "parameter_invalid_hash")
        if "price" in raw:
            raise invalid(f"{where}[price]", f"No such price: '{raw['price']}'", "resource_missing")
        price_data = raw.get("price_data")
        if not isinstance(price_data, dict):
            raise invalid(
                f"{where}[price_data]", "Missing required param: price_data.", "parameter_missing"
            )
        if price_data.get("currency") != "jpy":
            raise invalid(
                f"{where}[price_data][currency]",
                "The simulator only accepts jpy.",
                "parameter_invalid_string",
            )
        product = price_data.get("product_data")
        if not isinstance(product, dict) or not product.get("name"):
            raise invalid(
                f"{where}[price_data][product_data][name]",
                "Missing required param: price_data[product_data][name].",
                "parameter_missing",
            )
        unit_amount = _integer(price_data.get("unit_amount"), f"{where}[price_data][unit_amount]")
        quantity = _integer(raw.get("quantity"), f"{where}[quantity]", minimum=1)
        total = unit_amount * quantity
        items.append(
            {
                "id": new_id("li_"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": total,
                "amount_tax": 0,
                "amount_total": total,
                "currency": "jpy",
                "description": str(product["name"]),
                "price": {
                    "id": new_id("price_"),
                    "object": "price",
                    "active": False,
                    "currency": "jpy",
                    "livemode": False,
                    "product": new_id("prod_", 14),
                    "tax_behavior": price_data.get("tax_behavior", "unspecified"),
                    "type": "one_time",
                    "unit_amount": unit_amount,
                },
                "quantity": quantity,
            }
        )
    return items


def create_session(account: Account, params: dict[str, Any], *, page_url: str) -> StoredObject:
    """POST /v1/checkout/sessions (mode=payment, price_data line items, JPY)."""
    _unknown(params, SESSION_PARAMS)
    mode = params.get("mode")
    if mode is None:
        raise invalid("mode", "Missing required param: mode.", "parameter_missing")
    if mode != "payment":
        raise invalid("mode", "The simulator only supports mode=payment.")
    items = _line_items(params.get("line_items"))
    total = sum(item["amount_total"] for item in items)
    if total < MIN_AMOUNT:
        raise ApiError(
            400,
            "The Checkout Session's total amount due must add up to at least ¥50",
            code="amount_too_small",
            param="line_items",
        )
    if total > MAX_AMOUNT:
        raise ApiError(
            400,
            "Amount must be no more than ¥99,999,999",
            code="amount_too_large",
            param="line_items",
        )
    methods = params.get("payment_method_types") or ["card"]
    for index, method in enumerate(methods):
        if method not in METHODS:
            raise invalid(
                f"payment_method_types[{index}]",
                f"The payment method type provided: {method} is invalid. "
                f"The simulator knows {', '.join(METHODS)}.",
            )
    created = now()
    expires_at = created + SESSION_LIFETIME
    if params.get("expires_at") is not None:
        expires_at = _integer(params["expires_at"], "expires_at")
        if not created + SESSION_MIN_LIFETIME - 5 <= expires_at <= created + SESSION_LIFETIME + 5:
            raise invalid(
                "expires_at",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                "Checkout Session creation.",
                "parameter_invalid_integer",
            )
    intent_data = params.get("payment_intent_data") or {}
    if not isinstance(intent_data, dict):
        raise invalid("payment_intent_data", "Invalid hash", "parameter_invalid_hash")
    konbini_days = KONBINI_DAYS
    options = params.get("payment_method_options") or {}
    if not isinstance(options, dict):
        raise invalid("payment_method_options", "Invalid hash", "parameter_invalid_hash")
    konbini_options = options.get("konbini") or {}
    if isinstance(konbini_options, dict) and konbini_options.get("expires_after_days") is not None:
        param = "payment_method_options[konbini][expires_after_days]"
        konbini_days = _integer(konbini_options["expires_after_days"], param, minimum=1)
        if konbini_days > 60:
            raise invalid(param, "This value must be less than or equal to 60.")
    session_id = new_id("cs_test_", 58)
    data = {
        "id": session_id,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": created,
        "currency": "jpy",
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": expires_at,
        "livemode": False,
        "locale": params.get("locale"),
        "metadata": _metadata(params.get("metadata")),
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": list(methods),
        "payment_status": "unpaid",
        "status": "open",
        "submit_type": params.get("submit_type"),
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": page_url.replace("{id}", session_id),
    }
    return StoredObject.objects.create(
        id=session_id,
        account=account.id,
        kind="checkout.session",
        created=created,
        data=data,
        private={
            "line_items": items,
            "merchant": account.name,
            "konbini_days": konbini_days,
            "payment_intent_data": {
                "metadata": _metadata(intent_data.get("metadata"), "payment_intent_data[metadata]"),
                "description": intent_data.get("description"),
            },
        },
    )


def update_session(checkout: StoredObject, params: dict[str, Any]) -> StoredObject:
    """POST /v1/checkout/sessions/{id}: the simulator lets only metadata change."""
    _unknown(params, {"metadata", "expand"})
    merged = {**checkout.data["metadata"], **_metadata(params.get("metadata"))}
    checkout.data["metadata"] = {k: v for k, v in merged.items() if v != ""}
    _save(checkout)
    return checkout


def session(session_id: str, *, lock: bool = False) -> StoredObject | None:
    """A session by id alone (the hosted page knows no API key), after expiring it if due.

    ``lock`` (inside a transaction) makes a second click on "Pay" wait for the first one,
    which then finds the session complete instead of charging twice.
    """
    sessions = StoredObject.objects.filter(id=session_id, kind="checkout.session")
    found = (sessions.select_for_update() if lock else sessions).first()
    if found is not None:
        expire_due(found)
    return found


def expire_due(checkout: StoredObject) -> None:
    """Expire an open session past ``expires_at`` (Stripe does it within minutes)."""
    if checkout.data["status"] == "open" and checkout.data["expires_at"] <= now():
        expire_session(checkout)


def expire_session(checkout: StoredObject) -> StoredObject:
    if checkout.data["status"] != "open":
        raise ApiError(
            400,
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f'Session has a status of "{checkout.data["status"]}".',
        )
    intent = _intent_of(checkout)
    if intent is not None and intent.data["status"] != "succeeded":
        intent.data.update(status="canceled", canceled_at=now(), cancellation_reason="automatic")
        _save(intent)
    checkout.data.update(status="expired", url=None)
    _save(checkout)
    emit(checkout.account, "checkout.session.expired", checkout.data)
    return checkout


def sweep(account: str | None = None) -> None:
    """Expire the sessions and konbini slips that are past their time (Stripe does it on its
    own clock; the simulator does it whenever it is asked something, and in paysim_deliver)."""
    sessions = StoredObject.objects.filter(kind="checkout.session")
    if account is not None:
        sessions = sessions.filter(account=account)
    for checkout in sessions.filter(data__status="open", data__expires_at__lte=now()):
        expire_due(checkout)
    for checkout in sessions.filter(data__status="complete", data__payment_status="unpaid"):
        intent = _intent_of(checkout)
        if intent is not None and intent.data["status"] == "requires_action":
            details = (intent.data.get("next_action") or {}).get("konbini_display_details") or {}
            if details.get("expires_at", now() + 1) <= now():
                konbini_expired(checkout)


# --- paying on the hosted page ---------------------------------------------------------


@dataclass(frozen=True)
class TestCard:
    number: str
    outcome: str  # succeeded | declined | 3ds | late_webhook
    brand: str = "visa"


TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "succeeded"),
        TestCard("4000000000000002", "declined"),
        TestCard("4000002500003155", "3ds"),
        TestCard("4000000000000077", "late_webhook"),
    )
}


class PaymentFailed(Exception):
    """The resident's attempt failed; the session stays open. ``code`` is Stripe's."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _intent_of(checkout: StoredObject) -> StoredObject | None:
    intent_id = checkout.data.get("payment_intent")
    return StoredObject.objects.filter(id=intent_id).first() if intent_id else None


def _intent_for(checkout: StoredObject, method: str) -> StoredObject:
    """The session's payment intent, made at the first attempt (as Stripe does since 2022-08)."""
    intent = _intent_of(checkout)
    if intent is None:
        extra = checkout.private.get("payment_intent_data", {})
        created = now()
        intent_id = new_id("pi_")
        intent = StoredObject.objects.create(
            id=intent_id,
            account=checkout.account,
            kind="payment_intent",
            created=created,
            data={
                "id": intent_id,
                "object": "payment_intent",
                "amount": checkout.data["amount_total"],
                "amount_capturable": 0,
                "amount_received": 0,
                "canceled_at": None,
                "cancellation_reason": None,
                "capture_method": "automatic_async",
                "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
                "confirmation_method": "automatic",
                "created": created,
                "currency": "jpy",
                "customer": None,
                "description": extra.get("description"),
                "last_payment_error": None,
                "latest_charge": None,
                "livemode": False,
                "metadata": extra.get("metadata", {}),
                "next_action": None,
                "payment_method": None,
                "payment_method_types": list(checkout.data["payment_method_types"]),
                "status": "requires_payment_method",
            },
        )
        checkout.data["payment_intent"] = intent_id
        _save(checkout)
    intent.data["payment_method"] = new_id("pm_")
    intent.data["payment_method_types"] = [method]
    return intent


def _require_open(checkout: StoredObject) -> None:
    expire_due(checkout)
    if checkout.data["status"] != "open":
        raise PaymentFailed("session_" + str(checkout.data["status"]))


def pay_by_card(checkout: StoredObject, *, number: str) -> str:
    """One card attempt: "succeeded" or "requires_action" (3-D Secure); raises PaymentFailed."""
    _require_open(checkout)
    card = TEST_CARDS.get("".join(ch for ch in number if ch.isdigit()))
    if card is None:
        raise PaymentFailed("test_card_required")
    intent = _intent_for(checkout, "card")
    checkout.private["card"] = {"number": card.number, "brand": card.brand}
    if card.outcome == "declined":
        _fail(checkout, intent, "card_declined", decline_code="generic_decline")
    if card.outcome == "3ds":
        intent.data.update(
            status="requires_action",
            next_action={
                "type": "use_stripe_sdk",
                "use_stripe_sdk": {"type": "three_d_secure_redirect"},
            },
        )
        _save(intent)
        _save(checkout)
        return "requires_action"
    _succeed(checkout, intent, "card", late=card.outcome == "late_webhook")
    return "succeeded"


def three_d_secure(checkout: StoredObject, *, authenticated: bool) -> None:
    _require_open(checkout)
    intent = _intent_of(checkout)
    if intent is None or intent.data["status"] != "requires_action":
        raise PaymentFailed("payment_intent_unexpected_state")
    if not authenticated:
        _fail(checkout, intent, "payment_intent_authentication_failure")
    _succeed(checkout, intent, "card", three_d_secure=True)


def _fail(checkout: StoredObject, intent: StoredObject, code: str, decline_code: str = "") -> None:
    messages = {
        "card_declined": "Your card was declined.",
        "payment_intent_authentication_failure": (
            "We are unable to authenticate your payment method."
        ),
        "paypay_declined": "The PayPay payment was not approved.",
    }
    error: dict[str, Any] = {
        "code": code,
        "message": messages.get(code, code),
        "type": "card_error",
    }
    if decline_code:
        error["decline_code"] = decline_code
    intent.data.update(status="requires_payment_method", last_payment_error=error, next_action=None)
    _save(intent)
    checkout.private["error"] = code
    _save(checkout)
    raise PaymentFailed(code)


def _succeed(
    checkout: StoredObject,
    intent: StoredObject,
    method: str,
    *,
    late: bool = False,
    three_d_secure: bool = False,
) -> None:
    charge = _charge(checkout, intent, method, three_d_secure=three_d_secure)
    intent.data.update(
        status="succeeded",
        amount_received=intent.data["amount"],
        latest_charge=charge.id,
        last_payment_error=None,
        next_action=None,
    )
    _save(intent)
    checkout.private.pop("error", None)
    checkout.data.update(
        status="complete",
        payment_status="paid",
        url=None,
        customer_details={"email": checkout.data.get("customer_email"), "name": None},
    )
    _save(checkout)
    emit(checkout.account, "checkout.session.completed", checkout.data, held=late)


def _charge(
    checkout: StoredObject, intent: StoredObject, method: str, *, three_d_secure: bool = False
) -> StoredObject:
    created = now()
    amount = int(intent.data["amount"])
    charge_id = new_id("ch_")
    balance = _balance_transaction(
        account=checkout.account,
        amount=amount,
        fee=fee_for(amount),
        source=charge_id,
        category="charge",
        type="charge" if method == "card" else "payment",
        description=intent.data.get("description"),
    )
    details: dict[str, Any] = {"type": method}
    if method == "card":
        card = checkout.private.get("card", {"number": "4242424242424242", "brand": "visa"})
        details["card"] = {
            "brand": card["brand"],
            "country": "US",
            "exp_month": 12,
            "exp_year": 2034,
            "funding": "credit",
            "last4": card["number"][-4:],
            "network": card["brand"],
            "three_d_secure": {"result": "authenticated", "version": "2.2.0"}
            if three_d_secure
            else None,
        }
    elif method == "konbini":
        details["konbini"] = {"store": {"chain": "familymart"}}
    else:
        details["paypay"] = {"buyer_id": None}
    return StoredObject.objects.create(
        id=charge_id,
        account=checkout.account,
        kind="charge",
        created=created,
        data={
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": 0,
            "balance_transaction": balance.id,
            "billing_details": {
                "address": None,
                "email": checkout.data.get("customer_email"),
                "name": None,
                "phone": None,
            },
            "captured": True,
            "created": created,
            "currency": "jpy",
            "description": intent.data.get("description"),
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": dict(intent.data.get("metadata") or {}),
            "outcome": {
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            "paid": True,
            "payment_intent": intent.id,
            "payment_method": intent.data.get("payment_method"),
            "payment_method_details": details,
            "receipt_url": None,
            "refunded": False,
            "status": "succeeded",
        },
    )


def _balance_transaction(
    *,
    account: str,
    amount: int,
    fee: int,
    source: str,
    category: str,
    type: str,
    description: Any = None,
) -> StoredObject:
    created = now()
    transaction_id = new_id("txn_")
    return StoredObject.objects.create(
        id=transaction_id,
        account=account,
        kind="balance_transaction",
        created=created,
        data={
            "id": transaction_id,
            "object": "balance_transaction",
            "amount": amount,
            "available_on": _available_on(created),
            "created": created,
            "currency": "jpy",
            "description": description,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": (
                [
                    {
                        "amount": fee,
                        "application": None,
                        "currency": "jpy",
                        "description": "Stripe processing fees",
                        "type": "stripe_fee",
                    }
                ]
                if fee
                else []
            ),
            "net": amount - fee,
            "reporting_category": category,
            "source": source,
            "status": "pending",
            "type": type,
        },
    )


def present(obj: StoredObject) -> dict[str, Any]:
    """The object as the API shows it now (a balance transaction becomes available in time)."""
    data = dict(obj.data)
    if obj.kind == "balance_transaction":
        data["status"] = "available" if data["available_on"] <= now() else "pending"
    return data


# --- konbini and PayPay ----------------------------------------------------------------


def choose_konbini(checkout: StoredObject) -> None:
    """The resident takes a payment slip: the session completes unpaid, the intent waits."""
    _require_open(checkout)
    if "konbini" not in checkout.data["payment_method_types"]:
        raise PaymentFailed("payment_method_unavailable")
    intent = _intent_for(checkout, "konbini")
    expires_at = now() + int(checkout.private.get("konbini_days", KONBINI_DAYS)) * 24 * 60 * 60
    number = f"{secrets.randbelow(10**11):011d}"
    intent.data.update(
        status="requires_action",
        last_payment_error=None,
        next_action={
            "type": "konbini_display_details",
            "konbini_display_details": {
                "expires_at": expires_at,
                "hosted_voucher_url": checkout.private.get("page_url", ""),
                "stores": {
                    chain: {
                        "confirmation_number": number[:6] if chain != "seicomart" else None,
                        "payment_code": number,
                    }
                    for chain in ("familymart", "lawson", "ministop", "seicomart")
                },
            },
        },
    )
    _save(intent)
    checkout.private["konbini"] = {"number": number, "expires_at": expires_at}
    checkout.private.pop("error", None)
    checkout.data.update(status="complete", payment_status="unpaid", url=None)
    _save(checkout)
    emit(checkout.account, "checkout.session.completed", checkout.data)


def _waiting_konbini(checkout: StoredObject) -> StoredObject:
    intent = _intent_of(checkout)
    if (
        checkout.data["status"] != "complete"
        or checkout.data["payment_status"] != "unpaid"
        or intent is None
        or intent.data["status"] != "requires_action"
    ):
        raise PaymentFailed("konbini_not_waiting")
    return intent


def konbini_paid(checkout: StoredObject) -> None:
    intent = _waiting_konbini(checkout)
    charge = _charge(checkout, intent, "konbini")
    intent.data.update(
        status="succeeded",
        amount_received=intent.data["amount"],
        latest_charge=charge.id,
        next_action=None,
    )
    _save(intent)
    checkout.data["payment_status"] = "paid"
    _save(checkout)
    emit(checkout.account, "checkout.session.async_payment_succeeded", checkout.data)


def konbini_expired(checkout: StoredObject) -> None:
    intent = _waiting_konbini(checkout)
    intent.data.update(
        status="canceled", canceled_at=now(), cancellation_reason="automatic", next_action=None
    )
    _save(intent)
    emit(checkout.account, "checkout.session.async_payment_failed", checkout.data)


def choose_paypay(checkout: StoredObject) -> None:
    _require_open(checkout)
    if "paypay" not in checkout.data["payment_method_types"]:
        raise PaymentFailed("payment_method_unavailable")
    intent = _intent_for(checkout, "paypay")
    intent.data.update(status="requires_action", next_action={"type": "redirect_to_url"})
    _save(intent)


def paypay_decision(checkout: StoredObject, *, approved: bool) -> None:
    _require_open(checkout)
    intent = _intent_of(checkout)
    if intent is None or intent.data["payment_method_types"] != ["paypay"]:
        raise PaymentFailed("payment_intent_unexpected_state")
    if not approved:
        _fail(checkout, intent, "paypay_declined")
    _succeed(checkout, intent, "paypay")


# --- refunds ---------------------------------------------------------------------------

REFUND_PARAMS = {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}


def create_refund(account: Account, params: dict[str, Any]) -> StoredObject:
    _unknown(params, REFUND_PARAMS)
    if params.get("charge"):
        charge = load(account.id, "charge", params["charge"], param="charge")
    elif params.get("payment_intent"):
        intent = load(
            account.id, "payment_intent", params["payment_intent"], param="payment_intent"
        )
        if not intent.data.get("latest_charge") or intent.data["status"] != "succeeded":
            raise ApiError(
                400,
                f"This PaymentIntent ({intent.id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
                param="payment_intent",
            )
        charge = load(account.id, "charge", intent.data["latest_charge"])
    else:
        raise invalid(
            "charge", "One of `charge` or `payment_intent` is required.", "parameter_missing"
        )
    remaining = int(charge.data["amount_captured"]) - int(charge.data["amount_refunded"])
    if remaining <= 0:
        raise ApiError(
            400,
            f"Charge {charge.id} has already been refunded.",
            code="charge_already_refunded",
            param="charge",
        )
    amount = (
        remaining
        if params.get("amount") is None
        else _integer(params["amount"], "amount", minimum=1)
    )
    if amount > remaining:
        raise ApiError(
            400,
            f"Refund amount (¥{amount}) is greater than unrefunded amount on charge (¥{remaining})",
            code="amount_too_large",
            param="amount",
        )
    reason = params.get("reason")
    if reason is not None and reason not in REFUND_REASONS:
        raise invalid(
            "reason", f"Invalid reason: must be one of {', '.join(sorted(REFUND_REASONS))}"
        )
    created = now()
    refund_id = new_id("re_")
    # Stripe keeps its processing fee on a refund: the refund's balance transaction has no fee.
    balance = _balance_transaction(
        account=account.id,
        amount=-amount,
        fee=0,
        source=refund_id,
        category="refund",
        type="refund",
    )
    refund = StoredObject.objects.create(
        id=refund_id,
        account=account.id,
        kind="refund",
        created=created,
        data={
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "balance_transaction": balance.id,
            "charge": charge.id,
            "created": created,
            "currency": "jpy",
            "metadata": _metadata(params.get("metadata")),
            "payment_intent": charge.data["payment_intent"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        },
    )
    previous = {
        "amount_refunded": charge.data["amount_refunded"],
        "refunded": charge.data["refunded"],
    }
    charge.data["amount_refunded"] = int(charge.data["amount_refunded"]) + amount
    charge.data["refunded"] = charge.data["amount_refunded"] == charge.data["amount_captured"]
    _save(charge)
    emit(account.id, "refund.created", refund.data)
    emit(account.id, "charge.refunded", charge.data, previous_attributes=previous)
    return refund


def update_refund(refund: StoredObject, params: dict[str, Any]) -> StoredObject:
    """POST /v1/refunds/{id}: only metadata can change (Stripe sends refund.updated)."""
    _unknown(params, {"metadata", "expand"})
    previous = {"metadata": dict(refund.data["metadata"])}
    merged = {**refund.data["metadata"], **_metadata(params.get("metadata"))}
    # An empty value deletes the key, as in Stripe.
    refund.data["metadata"] = {k: v for k, v in merged.items() if v != ""}
    _save(refund)
    emit(refund.account, "refund.updated", refund.data, previous_attributes=previous)
    return refund


# --- webhook endpoints -----------------------------------------------------------------


def create_webhook_endpoint(account: Account, params: dict[str, Any]) -> StoredObject:
    _unknown(params, {"url", "enabled_events", "description", "metadata", "api_version", "expand"})
    if not params.get("url"):
        raise invalid("url", "Missing required param: url.", "parameter_missing")
    events = params.get("enabled_events")
    if not isinstance(events, list) or not events:
        raise invalid(
            "enabled_events", "Missing required param: enabled_events.", "parameter_missing"
        )
    created = now()
    endpoint_id = new_id("we_")
    secret = "whsec_" + secrets.token_urlsafe(24)
    endpoint = StoredObject.objects.create(
        id=endpoint_id,
        account=account.id,
        kind="webhook_endpoint",
        created=created,
        data={
            "id": endpoint_id,
            "object": "webhook_endpoint",
            "api_version": params.get("api_version"),
            "application": None,
            "created": created,
            "description": params.get("description"),
            "enabled_events": list(events),
            "livemode": False,
            "metadata": _metadata(params.get("metadata")),
            "status": "enabled",
            "url": params["url"],
        },
        private={"secret": secret},
    )
    return endpoint
