"""Stripe's REST endpoints (the subset Madoguchi uses), relative to the ``/paysim/`` mount."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse

from . import selectors, services
from .endpoint import api
from .protocol import Account, ApiError


def _page_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("paysim:checkout", args=["SESSIONID"])).replace(
        "SESSIONID", "{id}"
    )


def _only_expand(params: dict[str, Any]) -> None:
    for name in params:
        if name != "expand":
            raise ApiError(
                400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name
            )


@api("GET", "POST")
def sessions(request: HttpRequest, account: Account, params: dict[str, Any]) -> dict[str, Any]:
    if request.method == "POST":
        created = services.create_session(account, params, page_url=_page_url(request))
        return selectors.expanded(created, params.get("expand"))
    filters = Q()
    if params.get("payment_intent"):
        filters &= Q(data__payment_intent=params["payment_intent"])
    if params.get("status"):
        filters &= Q(data__status=params["status"])
    return selectors.page(
        account.id,
        "checkout.session",
        params,
        url="/v1/checkout/sessions",
        filters=filters,
        allowed={"payment_intent", "status"},
    )


@api("GET", "POST")
def session(
    request: HttpRequest, account: Account, params: dict[str, Any], session_id: str
) -> dict[str, Any]:
    found = services.load(account.id, "checkout.session", session_id)
    services.expire_due(found)
    if request.method == "POST":
        found = services.update_session(found, params)
    else:
        _only_expand(params)
    return selectors.expanded(found, params.get("expand"))


@api("GET")
def session_line_items(
    request: HttpRequest, account: Account, params: dict[str, Any], session_id: str
) -> dict[str, Any]:
    found = services.load(account.id, "checkout.session", session_id)
    items = found.private.get("line_items", [])
    return selectors.listing(
        items, url=f"/v1/checkout/sessions/{session_id}/line_items", more=False
    )


@api("POST")
def expire_session(
    request: HttpRequest, account: Account, params: dict[str, Any], session_id: str
) -> dict[str, Any]:
    _only_expand(params)
    found = services.expire_session(services.load(account.id, "checkout.session", session_id))
    return selectors.expanded(found, params.get("expand"))


def _retrieve(kind: str, parameter: str) -> Any:
    @api("GET")
    def view(
        request: HttpRequest, account: Account, params: dict[str, Any], **kwargs: str
    ) -> dict[str, Any]:
        _only_expand(params)
        return selectors.expanded(
            services.load(account.id, kind, kwargs[parameter]), params.get("expand")
        )

    return view


payment_intent = _retrieve("payment_intent", "intent_id")
charge = _retrieve("charge", "charge_id")


@api("GET", "POST")
def refund(
    request: HttpRequest, account: Account, params: dict[str, Any], refund_id: str
) -> dict[str, Any]:
    found = services.load(account.id, "refund", refund_id)
    if request.method == "POST":
        found = services.update_refund(found, params)
    else:
        _only_expand(params)
    return selectors.expanded(found, params.get("expand"))


balance_transaction = _retrieve("balance_transaction", "transaction_id")
event = _retrieve("event", "event_id")
webhook_endpoint = _retrieve("webhook_endpoint", "endpoint_id")


@api("GET", "POST")
def refunds(request: HttpRequest, account: Account, params: dict[str, Any]) -> dict[str, Any]:
    if request.method == "POST":
        return selectors.expanded(services.create_refund(account, params), params.get("expand"))
    filters = Q()
    for name in ("charge", "payment_intent"):
        if params.get(name):
            filters &= Q(**{f"data__{name}": params[name]})
    return selectors.page(
        account.id,
        "refund",
        params,
        url="/v1/refunds",
        filters=filters,
        allowed={"charge", "payment_intent"},
    )


@api("GET")
def balance_transactions(
    request: HttpRequest, account: Account, params: dict[str, Any]
) -> dict[str, Any]:
    filters = Q()
    for name in ("source", "type"):
        if params.get(name):
            filters &= Q(**{f"data__{name}": params[name]})
    return selectors.page(
        account.id,
        "balance_transaction",
        params,
        url="/v1/balance_transactions",
        filters=filters,
        allowed={"source", "type", "currency", "payout"},
    )


@api("GET")
def events(request: HttpRequest, account: Account, params: dict[str, Any]) -> dict[str, Any]:
    filters = Q(data__type=params["type"]) if params.get("type") else None
    return selectors.page(
        account.id, "event", params, url="/v1/events", filters=filters, allowed={"type"}
    )


@api("GET", "POST")
def webhook_endpoints(
    request: HttpRequest, account: Account, params: dict[str, Any]
) -> dict[str, Any]:
    if request.method == "POST":
        endpoint = services.create_webhook_endpoint(account, params)
        # The secret is shown once, in the answer to the creation (as Stripe does).
        return {**endpoint.data, "secret": endpoint.private["secret"]}
    return selectors.page(account.id, "webhook_endpoint", params, url="/v1/webhook_endpoints")


@api()
def unknown(request: HttpRequest, account: Account, params: dict[str, Any]) -> dict[str, Any]:
    raise AssertionError("api() answers every method of an unknown URL with a 404")
