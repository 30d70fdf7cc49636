"""The token endpoint's errors say what to fix in the caller's language (Japanese by default),
with RFC 6749 §5.2's error codes unchanged and error_description in printable ASCII."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from madoguchi.integrations import clients_services
from madoguchi.integrations.models import SystemClient
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory

TOKEN_URL = "/api/v1/system/token"
# RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
ASCII_DESCRIPTION = re.compile(r"^[\x20\x21\x23-\x5b\x5d-\x7e]+$")


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def issued(db: None) -> clients_services.IssuedSecret:
    department: Department = DepartmentFactory()  # type: ignore[assignment]
    admin: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN
    )
    return clients_services.register_client(
        staff=admin, name="住民記録システム", departments=[department], forms=[], scope="read"
    )


def basic(client: SystemClient, secret: str) -> dict[str, str]:
    value = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {value}"}


def ask(
    form: dict[str, str],
    headers: dict[str, str] | None = None,
    *,
    language: str | None = None,
    secure: bool = True,
) -> Any:
    sent = dict(headers or {}) | ({"accept-language": language} if language else {})
    return Client().post(TOKEN_URL, form, headers=sent, secure=secure)


def test_a_wrong_secret_is_explained_in_japanese_by_default(
    issued: clients_services.IssuedSecret,
) -> None:
    answer = ask({"grant_type": "client_credentials"}, basic(issued.client, "wrong"))

    body = answer.json()
    assert answer.status_code == 401
    assert body["error"] == "invalid_client"
    assert "シークレット" in body["message"] and "管理者" in body["message"]
    assert ASCII_DESCRIPTION.match(body["error_description"])
    assert "ask the city's administrator for a new secret" in body["error_description"]
    assert "ask the city" in answer["WWW-Authenticate"]


def test_the_same_errors_in_english_when_the_caller_asks_for_english(
    issued: clients_services.IssuedSecret,
) -> None:
    answers = {
        "wrong_secret": ask(
            {"grant_type": "client_credentials"}, basic(issued.client, "x"), language="en"
        ),
        "grant": ask(
            {"grant_type": "password"}, basic(issued.client, issued.secret), language="en"
        ),
        "scope": ask(
            {"grant_type": "client_credentials", "scope": "read_status"},
            basic(issued.client, issued.secret),
            language="en",
        ),
        "nothing": ask({"grant_type": "client_credentials"}, language="en"),
        "http": ask(
            {"grant_type": "client_credentials"},
            basic(issued.client, issued.secret),
            language="en",
            secure=False,
        ),
    }

    bodies = {name: answer.json() for name, answer in answers.items()}
    assert {name: body["error"] for name, body in bodies.items()} == {
        "wrong_secret": "invalid_client",
        "grant": "unsupported_grant_type",
        "scope": "invalid_scope",
        "nothing": "invalid_client",
        "http": "invalid_request",
    }
    for body in bodies.values():
        assert body["message"] == body["error_description"]
        assert ASCII_DESCRIPTION.match(body["error_description"])
    assert "grant_type=client_credentials" in bodies["grant"]["message"]
    assert "Ask for read," in bodies["scope"]["message"]
    assert "client_secret_basic" in bodies["nothing"]["message"]
    assert "HTTPS" in bodies["http"]["message"]


def test_every_error_says_what_to_fix_in_japanese(
    issued: clients_services.IssuedSecret,
) -> None:
    grant = ask({"grant_type": "password"}, basic(issued.client, issued.secret))
    missing = ask({}, basic(issued.client, issued.secret))
    scope = ask(
        {"grant_type": "client_credentials", "scope": "read_status"},
        basic(issued.client, issued.secret),
    )
    unknown_scope = ask(
        {"grant_type": "client_credentials", "scope": "admin"},
        basic(issued.client, issued.secret),
        language="ja",
    )
    nothing = ask({"grant_type": "client_credentials"})
    plain = ask(
        {"grant_type": "client_credentials"}, basic(issued.client, issued.secret), secure=False
    )

    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (missing.json()["error"], scope.json()["error"]) == (
        "unsupported_grant_type",
        "invalid_scope",
    )
    assert "grant_type=client_credentials" in grant.json()["message"]
    assert "grant_type=client_credentials" in missing.json()["message"]
    assert "スコープ" in scope.json()["message"] and "read" in scope.json()["message"]
    assert unknown_scope.json()["error"] == "invalid_scope"
    assert "スコープ" in unknown_scope.json()["message"]
    assert nothing.json()["error"] == "invalid_client"
    assert "client_secret_basic" in nothing.json()["message"]
    assert "HTTPS" in plain.json()["message"] and "使って" in plain.json()["message"]
    for answer in (grant, missing, scope, unknown_scope, nothing, plain):
        assert ASCII_DESCRIPTION.match(answer.json()["error_description"])
        assert answer["Cache-Control"].startswith("no-store")
