"""The payment browser tests' site: the demo and the payment simulator on the live server.

The hosted page is on another origin than the app's pages (devidp's, as under ``make run``),
as Stripe's is (checkout.stripe.com): a same-origin simulator hid a form-action policy that
dropped 「支払う」's redirect. Webhooks wait until a test delivers them (``paysim.deliver()``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from madoguchi.testing.payments import PaySim


@pytest.fixture(name="payment_site")
def payment_site_fixture(
    demo: None, live_server: Any, identity_provider_url: str, paysim: PaySim, settings: Any
) -> PaySim:
    return hosted_on(
        identity_provider_url, live_server=live_server, paysim=paysim, settings=settings
    )


def hosted_on(origin: str, *, live_server: Any, paysim: PaySim, settings: Any) -> PaySim:
    """Point the cities' accounts at the simulator reached at ``origin`` (the hosted page's)."""
    settings.MADOGUCHI_SITE_URL = live_server.url  # Stripe's success_url and cancel_url
    api_base = f"{origin}/paysim"
    settings.MADOGUCHI_PAYSIM_URL = api_base
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {
        lg_code: {**account, "api_base": api_base}
        for lg_code, account in settings.MADOGUCHI_PAYMENT_ACCOUNTS.items()
    }
    paysim.accounts = settings.MADOGUCHI_PAYMENT_ACCOUNTS
    return paysim


def pay_on_the_hosted_page(page: Any, card: str) -> None:
    """Type a test card on the simulator's hosted page and pay."""
    page.get_by_label("カード番号").fill(card)
    page.get_by_role("button", name="支払う", exact=True).click()


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text (poppler's pdftotext, installed for the suite)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils is missing (scripts/system-packages.sh test)")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
