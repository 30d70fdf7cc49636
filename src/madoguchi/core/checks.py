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
