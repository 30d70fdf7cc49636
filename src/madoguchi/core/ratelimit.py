"""Fixed-window rate limits in the shared cache (Redis in production).

Each scope allows ``MADOGUCHI_RATE_LIMITS[scope]`` requests per minute and client (the
address behind our proxies, see :mod:`madoguchi.core.client_address`). Load and fuzz runs
raise them from the environment without editing settings:
``MADOGUCHI_RATE_LIMIT_SCALE`` multiplies every limit, ``MADOGUCHI_RATE_LIMIT_OVERRIDES``
(``"api_submit=100000,upload=5000"``) replaces single ones.

Scopes other apps count against (call ``allow(request, scope)`` before the work):

- ``login``: staff password and one-time-code posts;
- ``draft_start``: starting an application;
- ``api_submit``: submissions through the API;
- ``upload``: each request that carries files (attachments), before they are stored;
- ``resume_email``: emailing a draft's resume link from the 一時保存 page;
- ``ledger``: the public ledger API.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from .client_address import client_address, client_bucket

__all__ = ["allow", "allow_key", "client_address", "limit_for", "parse_overrides", "parse_scale"]


def parse_scale(value: str) -> float:
    """``MADOGUCHI_RATE_LIMIT_SCALE``: a positive finite number ("" means 1)."""
    if not value.strip():
        return 1.0
    try:
        scale = float(value)
    except ValueError:
        scale = math.nan
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(
            f"MADOGUCHI_RATE_LIMIT_SCALE={value!r}: write a positive number "
            "(e.g. 100 for load tests; 1 keeps the limits of the settings)"
        )
    return scale


def parse_overrides(value: str, scopes: set[str]) -> dict[str, int]:
    """``MADOGUCHI_RATE_LIMIT_OVERRIDES``: ``scope=requests_per_minute`` pairs, comma-separated."""
    overrides: dict[str, int] = {}
    for entry in value.split(","):
        if not entry.strip():
            continue
        scope, _, number = (part.strip() for part in entry.partition("="))
        if scope not in scopes:
            raise ValueError(
                f"MADOGUCHI_RATE_LIMIT_OVERRIDES: unknown scope {scope!r}; "
                f"known scopes: {', '.join(sorted(scopes))}"
            )
        if not number.isascii() or not number.isdigit() or int(number) < 1:
            raise ValueError(
                f"MADOGUCHI_RATE_LIMIT_OVERRIDES: {entry.strip()!r} needs a whole number "
                "of requests per minute of at least 1 (e.g. api_submit=100000)"
            )
        overrides[scope] = int(number)
    return overrides


@lru_cache(maxsize=8)
def _limits(
    base: tuple[tuple[str, int], ...], scale_text: str, overrides_text: str
) -> dict[str, int]:
    try:
        scale = parse_scale(scale_text)
        overrides = parse_overrides(overrides_text, {scope for scope, _ in base})
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None
    return {scope: math.ceil(overrides.get(scope, limit) * scale) for scope, limit in base}


def limits() -> dict[str, int]:
    """Every scope's limit per minute, after the environment's scale and overrides."""
    return _limits(
        tuple(sorted(settings.MADOGUCHI_RATE_LIMITS.items())),
        str(getattr(settings, "MADOGUCHI_RATE_LIMIT_SCALE", "")),
        str(getattr(settings, "MADOGUCHI_RATE_LIMIT_OVERRIDES", "")),
    )


def limit_for(scope: str) -> int:
    return limits()[scope]


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one request against ``scope`` for this client; False once over the limit."""
    return allow_key(scope, client_bucket(request))


def allow_key(scope: str, bucket: str) -> bool:
    """Count one request against ``scope`` for ``bucket``, a caller's own key (an API
    client's id rather than an address); False once over the limit."""
    limit = limit_for(scope)
    window = int(time.time() // 60)
    key = f"ratelimit:{scope}:{bucket}:{window}"
    # Increment first: the window's key usually exists already, and every call to Redis is
    # a round trip on every rate-limited request (add-then-incr cost one more each time).
    try:
        count = cache.incr(key)
    except ValueError:  # the client's first request in this window (unless a racing worker's)
        count = 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
    return count <= limit
