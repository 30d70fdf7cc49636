"""``madoguchi check --deploy``: settings that only matter once there are many workers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

# Caches that live inside one process: every gunicorn worker would count on its own.
_PROCESS_LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.security, deploy=True)
def shared_rate_limits(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in _PROCESS_LOCAL_CACHES:
        return []
    return [
        checks.Warning(
            "Rate limits are counted in a cache inside each worker process "
            f"({backend.rsplit('.', 1)[-1]}): with N workers a client gets N times the limit, "
            "and the login and signing limits stop meaning anything.",
            hint="Set REDIS_URL (redis://host:6379/0) so that every worker and instance "
            "counts in one place; see docs/deploy.md.",
            id="core.W001",
        )
    ]


@checks.register(checks.Tags.security)
def client_and_limit_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Trusted proxies and rate-limit overrides come from the environment: refuse typos early."""
    from madoguchi.core.client_address import parse_trusted_proxies
    from madoguchi.core.ratelimit import parse_overrides, parse_scale

    errors: list[checks.CheckMessage] = []
    attempts = [
        ("core.E002", lambda: parse_trusted_proxies(settings.MADOGUCHI_TRUSTED_PROXIES)),
        ("core.E003", lambda: parse_scale(settings.MADOGUCHI_RATE_LIMIT_SCALE)),
        (
            "core.E004",
            lambda: parse_overrides(
                settings.MADOGUCHI_RATE_LIMIT_OVERRIDES, set(settings.MADOGUCHI_RATE_LIMITS)
            ),
        ),
    ]
    for check_id, attempt in attempts:
        try:
            attempt()
        except ValueError as error:
            errors.append(checks.Error(str(error), hint="See docs/deploy.md.", id=check_id))
    return errors
