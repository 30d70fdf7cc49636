"""The authorization endpoint refuses what the real service refuses, and where it says so."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import ISSUER, REDIRECT_URI, DemoRelyingParty, query


def test_an_unknown_client_gets_an_error_page_and_no_redirect(rp: DemoRelyingParty) -> None:
    request = rp.authorization_request(client_id="RP99999999")

    response = rp.http.get(request.url)

    assert response.status_code == 400
    assert "Location" not in response
    assert b"invalid_client" in response.content


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback",
        REDIRECT_URI + "/",
        REDIRECT_URI + "?next=/",
        REDIRECT_URI.upper(),
        None,
    ],
)
def test_a_redirect_uri_that_is_not_registered_exactly_is_never_redirected_to(
    rp: DemoRelyingParty, redirect_uri: str | None
) -> None:
    request = rp.authorization_request(redirect_uri=redirect_uri)

    response = rp.http.get(request.url)

    assert response.status_code == 400
    assert "Location" not in response
    assert b"invalid_request" in response.content


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request", "PKCE"),
        ({"code_challenge_method": None}, "invalid_request", "S256"),
        ({"code_challenge_method": "plain"}, "invalid_request", "S256"),
        ({"code_challenge": "short!"}, "invalid_request", "code_challenge"),
        ({"nonce": None}, "invalid_request", "nonce"),
        ({"nonce": "ナンス"}, "invalid_request", "nonce"),
        ({"nonce": "n" * 256}, "invalid_request", "nonce"),
        ({"response_type": "token"}, "unsupported_response_type", "token"),
        ({"response_type": "code id_token"}, "unsupported_response_type", "id_token"),
        ({"scope": "name address"}, "invalid_scope", "openid"),
        ({"scope": "openid profile"}, "invalid_scope", ""),
        ({"scope": "openid sign"}, "invalid_request", "sign_transaction_id"),
        ({"sign_transaction_id": "x"}, "invalid_request", "sign"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, "invalid_request", "request"),
        ({"response_mode": "fragment"}, "invalid_request", "response_mode"),
        ({"prompt": "none"}, "login_required", ""),
    ],
)
def test_a_bad_request_from_a_registered_client_is_redirected_back_with_the_error(
    rp: DemoRelyingParty, overrides: dict[str, str | None], error: str, description: str
) -> None:
    request = rp.authorization_request(**overrides)

    callback = query(rp.http.get(request.url))

    assert callback["error"] == error
    assert description in callback.get("error_description", "")
    assert callback["state"] == request.params["state"]
    assert callback["iss"] == ISSUER
    assert "code" not in callback


def test_a_request_without_state_is_refused(rp: DemoRelyingParty) -> None:
    request = rp.authorization_request(state=None)

    callback = query(rp.http.get(request.url))

    assert callback["error"] == "invalid_request"
    assert "state" in callback["error_description"]
    assert "state" not in callback


def test_a_nonce_that_already_got_a_code_is_a_replay(rp: DemoRelyingParty) -> None:
    first, _ = rp.login()

    callback = query(rp.http.get(rp.authorization_request(nonce=first.params["nonce"]).url))

    assert callback["error"] == "invalid_request"


def test_the_card_page_is_marked_as_a_simulator_and_names_the_service(
    rp: DemoRelyingParty,
) -> None:
    response = rp.http.get(rp.authorization_request(scope="openid name birthdate").url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Demo simulator" in page
    assert "加賀市 電子申請" in page
    assert "Date of birth" in page and "Address" not in page
    assert 'inputmode="numeric"' in page and 'autocomplete="off"' in page
    assert "<legend" in page and "csrfmiddlewaretoken" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_pin_form_needs_the_csrf_token(rp: DemoRelyingParty) -> None:
    strict = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    request = rp.authorization_request()

    response = strict.post(request.url, {"resident": "kaga-taro", "pin": "1234"})

    assert response.status_code == 403
