"""A webhook receiver (a real HTTP server that records what it gets) and the accounts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from madoguchi.testing.payments import PaySim

KAGA = "172065"
KOBE = "281000"


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    answer: int = 200

    def events(self, secret: str) -> list[stripe.Event]:
        """Every request, verified as the app would (raises on a bad signature)."""
        return [
            stripe.Webhook.construct_event(r.body, r.headers["Stripe-Signature"], secret)
            for r in self.received
        ]


@pytest.fixture
def receiver(paysim: PaySim, settings: Any) -> Iterator[Receiver]:
    """The accounts' webhook URL points here instead of the app."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            receiver.received.append(Received(self.rfile.read(length), dict(self.headers.items())))
            self.send_response(receiver.answer)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MADOGUCHI_PAYSIM_ACCOUNTS = {
        key: {**account, "webhook_url": receiver.url}
        for key, account in settings.MADOGUCHI_PAYSIM_ACCOUNTS.items()
    }
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def kaga(paysim: PaySim) -> stripe.StripeClient:
    return paysim.client(KAGA)


@pytest.fixture
def webhook_secret(paysim: PaySim) -> str:
    return str(paysim.accounts[KAGA]["webhook_secret"])


def as_received(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as the simulator reads them after the SDK's form encoding."""
    from stripe._encode import _api_encode

    from madoguchi.simulators.payments.protocol import nested

    return nested((k, str(v)) for k, v in _api_encode(params))


def session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": 300,
                    "product_data": {"name": "住民票の写し"},
                },
                "quantity": 2,
            }
        ],
        "success_url": "https://app.example.jp/payments/return/x/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://app.example.jp/payments/return/x/?cancelled=1",
        "metadata": {"payment": "p-1"},
    }
    params.update(overrides)
    return params
