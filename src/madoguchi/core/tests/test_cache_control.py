"""Every response that may hold personal data tells browsers and proxies not to store it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from madoguchi.core.cache_control import NoStoreByDefault
from madoguchi.testing.factories import StaffFactory

# Public documents about the ledger (checkpoints, proofs): no personal data, cacheable.
CACHEABLE_NAMESPACES = {"ledger"}
SAMPLES = {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "str": "x", "path": "x"}


def _urls(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(namespace, URL) for every pattern, route parameters filled with sample values."""
    for pattern in patterns:
        route = str(pattern.pattern)
        for name, converter in getattr(pattern.pattern, "converters", {}).items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            route = route.replace(f"<{kind}:{name}>", SAMPLES.get(kind, "x"))
            route = route.replace(f"<{name}>", "x")
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if isinstance(pattern, URLResolver):
            yield from _urls(pattern.url_patterns, prefix + route, pattern.namespace or namespace)
        else:
            yield namespace, "/" + prefix + route


def _no_store(cache_control: str) -> bool:
    return "no-store" in {part.strip() for part in cache_control.split(",")}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_every_url_answers_with_no_store_unless_it_is_public_by_design(who: str) -> None:
    browser = Client(raise_request_exception=False)
    if who == "staff":
        staff = StaffFactory()
        browser.force_login(staff.user)
    checked = []

    for namespace, url in _urls(get_resolver().url_patterns):
        if namespace in CACHEABLE_NAMESPACES or "<" in url or "(" in url:
            continue
        response = browser.get(url)
        checked.append(url)
        assert _no_store(response.get("Cache-Control", "")), (url, response.status_code)

    assert len(checked) > 40


def test_a_view_that_chose_its_own_cache_policy_keeps_it() -> None:
    def public_view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("checkpoint")
        response["Cache-Control"] = "public, max-age=3600"
        return response

    response = NoStoreByDefault(public_view)(HttpRequest())

    assert response["Cache-Control"] == "public, max-age=3600"


def test_a_view_that_said_nothing_is_not_stored() -> None:
    response = NoStoreByDefault(lambda request: HttpResponse("answers"))(HttpRequest())

    assert _no_store(response["Cache-Control"]) and "private" in response["Cache-Control"]
    assert response.has_header("Expires")
