"""Development pages say so when they are opened at another address than the site URL
(`madoguchi demo` following the site URL is tested in madoguchi/demo/tests)."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings

DEV_MIDDLEWARE = [*settings.MIDDLEWARE, "madoguchi.core.site_url.SiteUrlCheckMiddleware"]


@pytest.mark.django_db
@override_settings(
    DEBUG=True,
    MIDDLEWARE=DEV_MIDDLEWARE,
    MADOGUCHI_SITE_URL="http://127.0.0.1:8000",
    MADOGUCHI_DEVIDP_URL="http://localhost:8000",
)
def test_a_development_page_opened_at_another_port_says_where_the_site_url_points(
    caplog: pytest.LogCaptureFixture,
) -> None:
    browser = Client(HTTP_HOST="127.0.0.1:8080")

    with caplog.at_level(logging.WARNING, logger="madoguchi.site_url"):
        first = browser.get("/")
        browser.get("/")

    assert 'data-testid="site-url-mismatch"' in first.text
    assert "http://127.0.0.1:8000" in first.text
    assert "MADOGUCHI_SITE_URL" in first.text
    warnings = [r.getMessage() for r in caplog.records if r.name == "madoguchi.site_url"]
    assert len(warnings) == 1 and "127.0.0.1:8080" in warnings[0]


@pytest.mark.django_db
@override_settings(
    DEBUG=True,
    MIDDLEWARE=DEV_MIDDLEWARE,
    MADOGUCHI_SITE_URL="http://127.0.0.1:8000",
    MADOGUCHI_DEVIDP_URL="http://localhost:8000",
    MADOGUCHI_PAYSIM_URL="http://localhost:8000/paysim",
)
@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("127.0.0.1:8000", "/"),
        ("localhost:8000", "/devidp/api/realms/main"),
        # The payment simulator's hosted page, on its own origin as make run serves it.
        ("localhost:8000", "/paysim/checkout/cs_test_unknown/"),
    ],
)
def test_the_site_url_and_the_simulators_own_address_get_no_notice(host: str, path: str) -> None:
    page = Client(HTTP_HOST=host).get(path)

    assert "site-url-mismatch" not in page.text
    assert not hasattr(page.wsgi_request, "site_url_mismatch")


@pytest.mark.django_db
@override_settings(
    DEBUG=True, MIDDLEWARE=DEV_MIDDLEWARE, MADOGUCHI_SITE_URL="http://127.0.0.1:8000"
)
def test_the_notice_is_in_japanese_first() -> None:
    page = Client(HTTP_HOST="127.0.0.1:8080", HTTP_ACCEPT_LANGUAGE="ja").get("/")

    assert "サイトURL http://127.0.0.1:8000（MADOGUCHI_SITE_URL）とは別のアドレス" in page.text
