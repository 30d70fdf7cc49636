"""Discovery, the realm URL, and the guard that keeps the simulator out of production."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from .conftest import ISSUER


def test_discovery_describes_the_service_at_the_requests_host(db: None) -> None:
    http = Client(HTTP_HOST="127.0.0.1:8123")

    metadata = http.get(reverse("devidp:discovery")).json()

    issuer = "http://127.0.0.1:8123/devidp/api/realms/main"
    assert metadata["issuer"] == issuer
    assert metadata["authorization_endpoint"] == f"{issuer}/protocol/openid-connect/auth"
    assert metadata["token_endpoint"] == f"{issuer}/protocol/openid-connect/token"
    assert metadata["userinfo_endpoint"] == f"{issuer}/protocol/openid-connect/userinfo"
    assert metadata["jwks_uri"] == f"{issuer}/protocol/openid-connect/certs"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert metadata["id_token_signing_alg_values_supported"] == ["ES256"]
    assert metadata["scopes_supported"] == [
        "openid",
        "name",
        "address",
        "birthdate",
        "gender",
        "sign",
    ]
    assert metadata["acr_values_supported"] == ["aal3", "crl"]
    assert {"name", "address", "birthdate", "gender", "sub"} <= set(metadata["claims_supported"])


def test_the_issuer_url_answers_like_a_keycloak_realm(http: Client) -> None:
    response = http.get(ISSUER.removeprefix("http://localhost"))

    assert response.status_code == 200
    assert response.json()["realm"] == "main"


def test_the_app_refuses_to_start_unless_explicitly_enabled() -> None:
    config = apps.get_app_config("devidp")

    with override_settings(MADOGUCHI_DEVIDP_ENABLED=False), pytest.raises(ImproperlyConfigured):
        config.ready()
    with override_settings(MADOGUCHI_DEVIDP_ENABLED="yes"), pytest.raises(ImproperlyConfigured):
        config.ready()
