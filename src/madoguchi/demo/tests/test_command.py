"""`madoguchi demo`: it loads once, and follows the site URL when run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from madoguchi.identity.models import IdentityProvider
from madoguchi.simulators.idp.models import RelyingParty
from madoguchi.tenants.models import Municipality


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
@override_settings(MADOGUCHI_ALLOW_DEMO=False)
def test_the_command_refuses_to_load_where_demo_data_is_not_allowed() -> None:
    with pytest.raises(CommandError, match="MADOGUCHI_ALLOW_DEMO"):
        call_command("demo", stdout=StringIO())

    assert not Municipality.objects.exists()


def test_the_app_refuses_to_start_unless_demo_data_is_allowed() -> None:
    config = apps.get_app_config("demo")

    with override_settings(MADOGUCHI_ALLOW_DEMO=False), pytest.raises(ImproperlyConfigured):
        config.ready()
    with override_settings(MADOGUCHI_ALLOW_DEMO="yes"), pytest.raises(ImproperlyConfigured):
        config.ready()
