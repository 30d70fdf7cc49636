"""Rate limits: counted per client and scope, in a cache every worker shares."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory, override_settings

from madoguchi.core.checks import client_and_limit_settings, shared_rate_limits
from madoguchi.core.ratelimit import allow, limit_for, limits
from madoguchi.testing.servers import redis_server

REDIS_URL = os.environ.get("MADOGUCHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis that CI runs on loopback, or a private one started for this test run."""
    with redis_server(REDIS_URL) as url:
        yield url


@pytest.fixture
def redis_cache(redis_url: str) -> Iterator[None]:
    """The production cache backend on a real Redis (database 15, own key prefix)."""
    import redis

    prefix = f"test-{uuid.uuid4().hex}"
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={"default": config}):
        yield
    # Only this test's keys: cache.clear() would flush the database under parallel tests.
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def _request(address: str) -> HttpRequest:
    return RequestFactory().post("/", REMOTE_ADDR=address)


@override_settings(MADOGUCHI_RATE_LIMITS={"api_submit": 3})
def test_redis_counts_each_client_and_refuses_over_the_limit(redis_cache: None) -> None:
    first = [allow(_request("192.0.2.1"), "api_submit") for _ in range(4)]
    other = allow(_request("192.0.2.2"), "api_submit")

    assert first == [True, True, True, False]
    assert other is True


@override_settings(MADOGUCHI_RATE_LIMITS={"api_submit": 2})
def test_two_workers_share_one_count_in_redis(redis_cache: None, redis_url: str) -> None:
    """What REDIS_URL is for: the count lives in Redis, where every worker and instance reads it."""
    import redis

    allow(_request("192.0.2.9"), "api_submit")
    allow(_request("192.0.2.9"), "api_submit")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = redis.Redis.from_url(redis_url).keys(f"{prefix}:*ratelimit:api_submit:192.0.2.9:*")

    assert len(keys) == 1
    assert allow(_request("192.0.2.9"), "api_submit") is False


def test_deploy_check_warns_when_limits_are_counted_per_process() -> None:
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    shared = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

    with override_settings(CACHES=local):
        warnings = shared_rate_limits()
    with override_settings(CACHES=shared):
        none = shared_rate_limits()

    assert [w.id for w in warnings] == ["core.W001"]
    assert "REDIS_URL" in (warnings[0].hint or "")
    assert none == []


@override_settings(MADOGUCHI_RATE_LIMITS={"api_submit": 2}, MADOGUCHI_TRUSTED_PROXIES="10.0.0.2")
def test_clients_behind_the_trusted_proxy_are_counted_apart_and_forged_headers_do_not_help(
    redis_cache: None,
) -> None:
    def via_proxy(client: str) -> HttpRequest:
        return RequestFactory().post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client)

    first = [allow(via_proxy("198.51.100.1"), "api_submit") for _ in range(3)]
    other = allow(via_proxy("198.51.100.2"), "api_submit")
    forged = allow(via_proxy("203.0.113.50, 198.51.100.1"), "api_submit")

    assert first == [True, True, False]
    assert other is True
    assert forged is False


@override_settings(
    MADOGUCHI_RATE_LIMITS={"api_submit": 2, "login": 3},
    MADOGUCHI_RATE_LIMIT_SCALE="10",
    MADOGUCHI_RATE_LIMIT_OVERRIDES="api_submit=100000",
)
def test_load_runs_raise_the_limits_from_the_environment() -> None:
    assert limit_for("api_submit") == 1_000_000
    assert limit_for("login") == 30


@pytest.mark.parametrize(
    ("scale", "overrides", "error"),
    [
        ("lots", "", "core.E003"),
        ("0", "", "core.E003"),
        ("nan", "", "core.E003"),
        ("", "api_sumbit=5", "core.E004"),
        ("", "api_submit=-5", "core.E004"),
        ("", "api_submit=1e9", "core.E004"),
        ("", "api_submit", "core.E004"),
    ],
)
def test_a_mistyped_limit_setting_is_refused_with_what_to_write(
    scale: str, overrides: str, error: str
) -> None:
    with override_settings(
        MADOGUCHI_RATE_LIMIT_SCALE=scale, MADOGUCHI_RATE_LIMIT_OVERRIDES=overrides
    ):
        errors = client_and_limit_settings()
        with pytest.raises(ImproperlyConfigured):
            limit_for("api_submit")

    assert [e.id for e in errors] == [error]
    assert "e.g." in errors[0].msg or "known scopes" in errors[0].msg


def test_every_scope_the_apps_use_has_a_limit_in_the_settings() -> None:
    assert {"login", "api_submit", "draft_start", "upload", "ledger"} <= set(limits())
