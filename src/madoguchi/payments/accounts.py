"""Each municipality's merchant account, from ``MADOGUCHI_PAYMENT_ACCOUNTS`` (by LG code).

The setting is parsed and checked at start (settings/environment.py); here it is only
looked up. The keys never leave this module's callers in logs: :class:`Account`'s repr
hides them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from madoguchi.core.refusals import Refused

from .providers.base import Account


class PaymentUnavailable(Refused):
    code = "payment_unavailable"
    status = 409
    default_message = _(
        "Online payment is not available for this municipality. Please contact the department."
    )


def configured() -> dict[str, Any]:
    return dict(getattr(settings, "MADOGUCHI_PAYMENT_ACCOUNTS", {}) or {})


def account_or_none(lg_code: str) -> Account | None:
    entry = configured().get(lg_code)
    if not entry:
        return None
    return Account(
        lg_code=lg_code,
        provider=str(entry["provider"]),
        secret_key=str(entry["secret_key"]),
        webhook_secret=str(entry["webhook_secret"]),
        api_base=str(entry.get("api_base") or ""),
    )


def account(lg_code: str) -> Account:
    """The account payments of this municipality go to; refuses when there is none."""
    found = account_or_none(lg_code)
    if found is None:
        raise PaymentUnavailable
    return found
