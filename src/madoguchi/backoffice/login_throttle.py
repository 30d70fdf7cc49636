"""Growing waits after failed staff logins, per user name (or account) and client.

A lock on the account that anyone can trigger by typing a name five times is a way to
keep staff out, and tells an outsider which names exist. Instead, failures are counted
per (user name, client): after ``MADOGUCHI_LOGIN_MAX_FAILURES`` of them that client must
wait ``MADOGUCHI_LOGIN_THROTTLE_SECONDS`` before trying that name again, and each further
failure doubles the wait (up to ``MADOGUCHI_LOGIN_THROTTLE_MAX_SECONDS``). Staff at other
addresses log in as usual. The counts live in the shared cache (Redis in production) and
are forgotten a day after the last failure or at the next success.

Names never reach the cache in clear: keys hold a keyed hash of the name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from madoguchi.core import events
from madoguchi.core.client_address import client_bucket

# A client's failures are forgotten this long after its last one.
_MEMORY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Throttle:
    """The failure count of one (step, account or name, client)."""

    key: str

    @classmethod
    def for_name(cls, request: HttpRequest, username: str) -> Throttle:
        name = events.pseudonym("login-name", username.strip().casefold())
        return cls(f"login-throttle:password:{name}:{client_bucket(request)}")

    @classmethod
    def for_account(cls, request: HttpRequest, staff_pk: int) -> Throttle:
        return cls(f"login-throttle:code:{staff_pk}:{client_bucket(request)}")

    def waiting(self) -> bool:
        """Whether this client must still wait before its next attempt counts."""
        until = cache.get(f"{self.key}:until")
        return until is not None and float(until) > time.time()

    def fail(self) -> None:
        """Count a failure; from the limit on, make the client wait, twice as long each time."""
        counter = f"{self.key}:failures"
        if cache.add(counter, 1, timeout=_MEMORY_SECONDS):
            failures = 1
        else:
            failures = cache.incr(counter)
            cache.touch(counter, timeout=_MEMORY_SECONDS)
        beyond = failures - settings.MADOGUCHI_LOGIN_MAX_FAILURES
        if beyond < 0:
            return
        wait = min(
            settings.MADOGUCHI_LOGIN_THROTTLE_SECONDS * 2 ** min(beyond, 32),
            settings.MADOGUCHI_LOGIN_THROTTLE_MAX_SECONDS,
        )
        cache.set(f"{self.key}:until", time.time() + wait, timeout=int(wait) + 1)

    def forget(self) -> None:
        cache.delete_many([f"{self.key}:failures", f"{self.key}:until"])
