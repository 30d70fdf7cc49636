"""Fixed-window rate limits in the shared cache (Redis in production)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # Behind the reverse proxy REMOTE_ADDR is rewritten by it; never trust X-Forwarded-For here.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def allow(request: HttpRequest, scope: str) -> bool:
    """Count one request against ``scope`` for this client; False once over the limit."""
    limit = settings.MADOGUCHI_RATE_LIMITS[scope]
    window = int(time.time() // 60)
    key = f"ratelimit:{scope}:{client_address(request)}:{window}"
    # Increment first: the window's key usually exists already, and every call to Redis is
    # a round trip on every rate-limited request (add-then-incr cost one more each time).
    try:
        count = cache.incr(key)
    except ValueError:  # the client's first request in this window (unless a racing worker's)
        count = 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
    return count <= limit
