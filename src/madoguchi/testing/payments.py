"""The ``paysim`` fixture: the payment provider simulator on pytest-django's live server.

Stripe's official SDK talks to the simulator over real HTTP, the hosted page is driven over
real HTTP (no browser), and webhooks are sent over real HTTP to the app's webhook URL on the
same live server, signed like Stripe's. Nothing is delivered until the test says so::

    def test_paid(paysim):
        client = paysim.client("172065")
        session = client.v1.checkout.sessions.create(params={...})
        paysim.pay(session.id)                 # 4242 4242 4242 4242
        paysim.deliver()                       # → POST /payments/webhooks/stripe/172065/
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import stripe

CARD_SUCCEEDS = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
CARD_3DS = "4000 0025 0000 3155"
CARD_LATE_WEBHOOK = "4000 0000 0000 0077"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Paid:
    """Where the hosted page sent the resident (``redirect``: success_url after success),
    or the page it showed (``html``, with ``status``) when the payment did not go through."""

    status: int
    redirect: str | None
    html: str

    @property
    def ok(self) -> bool:
        return self.redirect is not None


@dataclass
class PaySim:
    base_url: str  # the live server
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # MADOGUCHI_PAYMENT_ACCOUNTS
    # Closed after the test, so that no live-server thread keeps a database connection open
    # for a kept-alive socket (PostgreSQL refuses to drop a test database still in use).
    _open: list[Any] = field(default_factory=list)

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/paysim"

    def client(self, lg_code: str = "172065") -> stripe.StripeClient:
        """Stripe's client for a city's account, as the app builds it."""
        account = self.accounts[lg_code]
        http_client = stripe.RequestsClient()
        self._open.append(http_client)
        return stripe.StripeClient(
            account["secret_key"],
            base_addresses={"api": account["api_base"]},
            max_network_retries=0,
            http_client=http_client,
        )

    def close(self) -> None:
        for opened in self._open:
            opened.close()
        self._open.clear()

    def pay(
        self,
        session_id_or_url: str,
        *,
        card: str = CARD_SUCCEEDS,
        method: str = "card",
        three_d_secure: bool = True,
        approve: bool = True,
        expiry: str = "12/34",
        cvc: str = "123",
    ) -> Paid:
        """Pay on the hosted page like a resident: card (3-D Secure answered with
        ``three_d_secure``), ``konbini`` (takes a slip: the session completes unpaid; then
        ``konbini_paid``) or ``paypay`` (approved or not with ``approve``)."""
        url = self._page(session_id_or_url)
        http = requests.Session()
        self._open.append(http)
        page = http.get(url, timeout=10, allow_redirects=False)
        form = {"method": method, "number": card, "expiry": expiry, "cvc": cvc}
        if page.is_redirect:  # already paid, or a konbini slip
            answer = page
        elif page.status_code != 200:  # expired (410) or unknown (404)
            return Paid(page.status_code, None, page.text)
        else:
            answer = self._post(http, url, page.text, form)
        while answer.is_redirect:
            target = urljoin(answer.url, answer.headers["Location"])
            if not urlsplit(target).path.startswith("/paysim/"):
                return Paid(answer.status_code, target, "")
            page = http.get(target, timeout=10, allow_redirects=False)
            if page.is_redirect:
                answer = page
                continue
            path = urlsplit(target).path
            if path.endswith("/3ds/"):
                action = "authenticate" if three_d_secure else "fail"
                answer = self._post(http, target, page.text, {"action": action})
            elif path.endswith("/paypay/"):
                answer = self._post(
                    http, target, page.text, {"action": "approve" if approve else "reject"}
                )
            else:  # the konbini slip, or the checkout page again with an error
                return Paid(page.status_code, None, page.text)
        return Paid(answer.status_code, None, answer.text)

    def konbini_paid(self, session_id: str) -> None:
        """The resident pays the slip at the store (→ checkout.session.async_payment_succeeded)."""
        self._konbini(session_id, "paid")

    def konbini_expired(self, session_id: str) -> None:
        """The slip expires unpaid (→ checkout.session.async_payment_failed)."""
        self._konbini(session_id, "expire")

    def expire(self, session_id: str) -> None:
        """Time passes: an open session expires (→ checkout.session.expired); a konbini slip
        waiting for payment expires (→ checkout.session.async_payment_failed)."""
        from madoguchi.simulators.payments import services

        checkout = services.session(session_id)
        assert checkout is not None, session_id
        if checkout.data["status"] == "open":
            services.expire_session(checkout)
        else:
            services.konbini_expired(checkout)

    def deliver(self, *, held: bool = False) -> list[Any]:
        """Send every queued webhook once (``held``: the late ones too); gives what was sent."""
        from madoguchi.simulators.payments import webhooks

        return webhooks.deliver_pending(held=held)

    def replay(self, event_id: str) -> list[Any]:
        from madoguchi.simulators.payments import webhooks

        return webhooks.replay(event_id)

    def forge(
        self,
        event_id: str,
        *,
        secret: str = "whsec_forged",  # noqa: S107 (a wrong one on purpose)
        body: str | None = None,
    ) -> list[Any]:
        """Send an event (or another body) signed with a wrong secret."""
        from madoguchi.simulators.payments import webhooks

        return webhooks.send_forged(event_id, secret=secret, body=body)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Every event so far, oldest first (their JSON as sent)."""
        from madoguchi.simulators.payments.models import StoredObject

        found = StoredObject.objects.filter(kind="event").order_by("created", "recorded_at")
        return [e.data for e in found if type is None or e.data["type"] == type]

    def _page(self, session_id_or_url: str) -> str:
        if session_id_or_url.startswith("http"):
            return session_id_or_url
        return f"{self.api_base}/checkout/{session_id_or_url}/"

    def _konbini(self, session_id: str, action: str) -> None:
        http = requests.Session()
        self._open.append(http)
        url = f"{self.api_base}/checkout/{session_id}/konbini/"
        page = http.get(url, timeout=10)
        answer = self._post(http, url, page.text, {"action": action})
        assert answer.status_code == 303, answer.status_code

    @staticmethod
    def _post(
        http: requests.Session, url: str, html: str, form: dict[str, str]
    ) -> requests.Response:
        token = _CSRF.search(html)
        assert token is not None, html[:2000]
        return http.post(
            url,
            data={**form, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )


@pytest.fixture
def paysim(live_server: Any, settings: Any) -> Iterator[PaySim]:
    """The simulator on the live server, with the demo cities' accounts pointed at it."""
    base = live_server.url
    settings.MADOGUCHI_PAYSIM_URL = f"{base}/paysim"
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {
        lg_code: {**account, "api_base": f"{base}/paysim"}
        for lg_code, account in settings.MADOGUCHI_PAYMENT_ACCOUNTS.items()
    }
    settings.MADOGUCHI_PAYSIM_ACCOUNTS = {
        key: {**account, "webhook_url": f"{base}{urlsplit(account['webhook_url']).path}"}
        for key, account in settings.MADOGUCHI_PAYSIM_ACCOUNTS.items()
    }
    settings.MADOGUCHI_PAYSIM_DELIVERY = "manual"
    simulator = PaySim(base_url=base, accounts=settings.MADOGUCHI_PAYMENT_ACCOUNTS)
    yield simulator
    simulator.close()
