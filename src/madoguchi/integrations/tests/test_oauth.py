"""The token endpoint (OAuth 2.0 client credentials) through real HTTP: Django's test client,
and an off-the-shelf client (requests, Authlib's OAuth2Session) against a live server."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from madoguchi.core.ratelimit import _limits
from madoguchi.integrations import clients_services
from madoguchi.integrations.models import AccessToken, ClientSecret
from madoguchi.tenants.models import Department, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory

TOKEN_URL = "/api/v1/system/token"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


def register(department: Department, scope: str = "read") -> clients_services.IssuedSecret:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    return clients_services.register_client(
        staff=admin, name="住民記録システム", departments=[department], forms=[], scope=scope
    )


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def ask_token(client_id: str, secret: str, **form: str) -> Any:
    return Client().post(
        TOKEN_URL,
        {"grant_type": "client_credentials", **form},
        headers={"authorization": basic(client_id, secret)},
        secure=True,
    )


@pytest.mark.django_db
def test_a_client_gets_a_short_lived_opaque_token_with_http_basic() -> None:
    issued = register(DepartmentFactory(), scope="read_status")

    answer = ask_token(issued.client.client_id, issued.secret)

    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "read read_status"
    assert answer["Cache-Control"].startswith("no-store") or "no-store" in answer["Cache-Control"]
    stored = AccessToken.objects.get()
    assert stored.token_hash == hashlib.sha256(body["access_token"].encode()).hexdigest()
    assert body["access_token"] not in str(list(AccessToken.objects.values()))
    assert timedelta(seconds=599) < stored.expires_at - stored.issued_at <= timedelta(seconds=600)


@pytest.mark.django_db
def test_a_client_may_send_its_credentials_as_form_fields_and_ask_for_less() -> None:
    issued = register(DepartmentFactory(), scope="read_status")

    answer = Client().post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": issued.client.client_id,
            "client_secret": issued.secret,
            "scope": "read",
        },
        secure=True,
    )

    assert answer.status_code == 200
    assert answer.json()["scope"] == "read"
    assert AccessToken.objects.get().scope == "read"


@pytest.mark.django_db
def test_a_wrong_secret_a_revoked_secret_and_a_revoked_client_get_invalid_client() -> None:
    department = DepartmentFactory()
    issued = register(department)
    other = register(department)
    admin = issued.client.created_by
    assert admin is not None

    wrong = ask_token(issued.client.client_id, "not-the-secret")
    clients_services.revoke_secret(
        staff=admin,
        client=issued.client,
        secret_id=ClientSecret.objects.get(client=issued.client).pk,
    )
    revoked_secret = ask_token(issued.client.client_id, issued.secret)
    clients_services.revoke_client(staff=admin, client=other.client)
    revoked_client = ask_token(other.client.client_id, other.secret)
    unknown = ask_token("mdg_nobody", "x")

    for answer in (wrong, revoked_secret, revoked_client, unknown):
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_protocol_errors_follow_rfc_6749_section_5_2() -> None:
    issued = register(DepartmentFactory(), scope="read")

    wrong_grant = ask_token(issued.client.client_id, issued.secret, grant_type="password")
    no_grant = Client().post(
        TOKEN_URL,
        {},
        headers={"authorization": basic(issued.client.client_id, issued.secret)},
        secure=True,
    )
    too_much = ask_token(issued.client.client_id, issued.secret, scope="read_status")
    unknown_scope = ask_token(issued.client.client_id, issued.secret, scope="admin")
    plain_http = Client().post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        headers={"authorization": basic(issued.client.client_id, issued.secret)},
    )

    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (
        400,
        "unsupported_grant_type",
    )
    assert (no_grant.status_code, no_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (too_much.status_code, too_much.json()["error"]) == (400, "invalid_scope")
    assert (unknown_scope.status_code, unknown_scope.json()["error"]) == (400, "invalid_scope")
    assert (plain_http.status_code, plain_http.json()["error"]) == (400, "invalid_request")
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_the_token_endpoint_needs_no_csrf_token() -> None:
    issued = register(DepartmentFactory())
    browser = Client(enforce_csrf_checks=True)

    answer = browser.post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        headers={"authorization": basic(issued.client.client_id, issued.secret)},
        secure=True,
    )

    assert answer.status_code == 200


@pytest.mark.django_db
def test_an_expired_token_is_refused_and_a_new_one_works() -> None:
    issued = register(DepartmentFactory())
    token = ask_token(issued.client.client_id, issued.secret).json()["access_token"]
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    expired = Client().get("/api/v1/system/changes", headers={"authorization": f"Bearer {token}"})
    fresh = ask_token(issued.client.client_id, issued.secret).json()["access_token"]
    again = Client().get("/api/v1/system/changes", headers={"authorization": f"Bearer {fresh}"})

    assert expired.status_code == 401
    assert expired.json()["code"] == "invalid_token"
    assert expired["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert again.status_code == 200


@pytest.mark.django_db
def test_rotation_keeps_the_old_secret_working_during_the_grace_period_only() -> None:
    issued = register(DepartmentFactory())
    admin = issued.client.created_by
    assert admin is not None

    rotated = clients_services.rotate_secret(staff=admin, client=issued.client)
    old_during_grace = ask_token(issued.client.client_id, issued.secret)
    new_during_grace = ask_token(issued.client.client_id, rotated.secret)
    ClientSecret.objects.filter(expires_at__isnull=False).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    old_after = ask_token(issued.client.client_id, issued.secret)
    new_after = ask_token(issued.client.client_id, rotated.secret)

    assert old_during_grace.status_code == 200
    assert new_during_grace.status_code == 200
    assert old_after.status_code == 401
    assert new_after.status_code == 200


@pytest.mark.django_db
def test_rotation_at_once_stops_the_old_secret_and_the_live_tokens() -> None:
    issued = register(DepartmentFactory())
    admin = issued.client.created_by
    assert admin is not None
    token = ask_token(issued.client.client_id, issued.secret).json()["access_token"]

    rotated = clients_services.rotate_secret(staff=admin, client=issued.client, at_once=True)

    assert ask_token(issued.client.client_id, issued.secret).status_code == 401
    assert ask_token(issued.client.client_id, rotated.secret).status_code == 200
    stale = Client().get("/api/v1/system/changes", headers={"authorization": f"Bearer {token}"})
    assert stale.status_code == 401


@pytest.mark.django_db
def test_token_requests_are_rate_limited_per_client_and_per_address() -> None:
    issued = register(DepartmentFactory())
    other = register(DepartmentFactory())
    _limits.cache_clear()
    try:
        with override_settings(MADOGUCHI_RATE_LIMIT_OVERRIDES="system_token=3"):
            _limits.cache_clear()
            answers = [ask_token(issued.client.client_id, "wrong") for _ in range(3)]
            limited = ask_token(issued.client.client_id, issued.secret)
            # Another client from another address is counted on its own.
            elsewhere = Client(REMOTE_ADDR="192.0.2.7").post(
                TOKEN_URL,
                {"grant_type": "client_credentials"},
                headers={"authorization": basic(other.client.client_id, other.secret)},
                secure=True,
            )
            # The same client from another address is still over its own limit.
            same_client = Client(REMOTE_ADDR="192.0.2.8").post(
                TOKEN_URL,
                {"grant_type": "client_credentials"},
                headers={"authorization": basic(issued.client.client_id, issued.secret)},
                secure=True,
            )
    finally:
        _limits.cache_clear()

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert limited.status_code == 429
    assert limited.json()["error"] == "slow_down"
    # RFC 6749 §5.2 keeps error_description ASCII; the advice in the caller's language is apart.
    assert limited.json()["error_description"].isascii()
    assert "1分ほど待って" in limited.json()["message"]
    assert limited["Retry-After"] == "60"
    assert elsewhere.status_code == 200
    assert same_client.status_code == 429


def test_an_off_the_shelf_oauth_client_gets_a_token_and_reads_changes(
    transactional_db: None, live_server: Any
) -> None:
    issued = register(DepartmentFactory(), scope="read")
    base = live_server.url  # http://localhost:port: loopback, where RFC 8252 allows plain HTTP

    with OAuth2Session(
        issued.client.client_id,
        issued.secret,
        token_endpoint_auth_method="client_secret_basic",
    ) as session:
        token = session.fetch_token(f"{base}{TOKEN_URL}", grant_type="client_credentials")
        changes = session.get(f"{base}/api/v1/system/changes")
    with requests.post(
        f"{base}{TOKEN_URL}",
        data={
            "grant_type": "client_credentials",
            "client_id": issued.client.client_id,
            "client_secret": issued.secret,
        },
        timeout=10,
    ) as posted:
        posted_token = posted.json()

    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 600
    assert changes.status_code == 200
    assert changes.json() == {"changes": [], "next": 0, "more": False}
    assert posted.status_code == 200
    assert posted_token["scope"] == "read"
