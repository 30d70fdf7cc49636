"""The demo cities' payment accounts on the Stripe simulator (development and test settings).

Both sides of each account in one place: the app's (``MADOGUCHI_PAYMENT_ACCOUNTS``, with the
simulator as the API base) and the simulator's (``MADOGUCHI_PAYSIM_ACCOUNTS``: the same secret
key, its webhook secret and where it posts webhooks). Never imported by production settings.
"""

from __future__ import annotations

from typing import Any

# Fixed test keys of the demo cities' merchant accounts.
_KEYS = {
    "172065": ("sk_test_madoguchi_kaga_172065_0000000000", "whsec_madoguchi_kaga_172065_000000"),
    "281000": ("sk_test_madoguchi_kobe_281000_0000000000", "whsec_madoguchi_kobe_281000_000000"),
}
# The merchant names the simulator's checkout page shows (data, as a provider's dashboard holds).
_NAMES = {"172065": "加賀市", "281000": "神戸市"}


def simulator_url(*, site_url: str, devidp_url: str) -> str:
    """On the identity simulator's origin: another origin than the site, like the provider."""
    return (devidp_url or site_url).rstrip("/") + "/paysim"


def payment_accounts(api_base: str) -> dict[str, dict[str, Any]]:
    """The app's side: each demo city's account, its API at the simulator."""
    return {
        lg_code: {
            "provider": "stripe",
            "secret_key": secret_key,
            "webhook_secret": webhook_secret,
            "api_base": api_base,
        }
        for lg_code, (secret_key, webhook_secret) in _KEYS.items()
    }


def simulator_accounts(site_url: str) -> dict[str, dict[str, Any]]:
    """The simulator's side: by secret key, the merchant and where its webhooks go."""
    return {
        secret_key: {
            "name": _NAMES[lg_code],
            "webhook_secret": webhook_secret,
            "webhook_url": f"{site_url.rstrip('/')}/payments/webhooks/stripe/{lg_code}/",
        }
        for lg_code, (secret_key, webhook_secret) in _KEYS.items()
    }
