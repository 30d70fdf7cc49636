"""`madoguchi demo` follows the site URL, also when the demo data is already loaded, and
development pages say so when they are opened at another address."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from madoguchi.devidp.models import RelyingParty
from madoguchi.identity.models import IdentityProvider

DEV_MIDDLEWARE = [*settings.MIDDLEWARE, "madoguchi.core.site_url.SiteUrlCheckMiddleware"]


@override_settings(MADOGUCHI_SITE_URL="http://127.0.0.1:8000", MADOGUCHI_DEVIDP_URL="")
def test_running_demo_again_on_another_port_re_points_the_simulator_and_its_redirect_uris(
    demo_data: None,
) -> None:
    with override_settings(
        MADOGUCHI_SITE_URL="http://127.0.0.1:8080", MADOGUCHI_DEVIDP_URL="http://localhost:8080"
    ):
        call_command("demo", stdout=StringIO())

    provider = IdentityProvider.objects.get(municipality__lg_code="172065")
    registered = RelyingParty.objects.get(client_id=provider.client_id)
    assert provider.issuer == "http://localhost:8080/devidp/api/realms/main"
    assert "http://127.0.0.1:8080/identity/callback/" in registered.redirect_uris
    assert not [uri for uri in registered.redirect_uris if ":8000" in uri]


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
)
@pytest.mark.parametrize(
    ("host", "path"), [("127.0.0.1:8000", "/"), ("localhost:8000", "/devidp/api/realms/main")]
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
