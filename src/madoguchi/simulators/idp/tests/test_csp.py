"""The card page's buttons are answered with a redirect to the relying party, on another
origin: its Content-Security-Policy must let exactly that client's redirect URIs through."""

from __future__ import annotations

from django.test import Client

from madoguchi.simulators.idp import services

from .conftest import CLIENT_ID, DemoRelyingParty


def _form_action(response: object) -> list[str]:
    policy = response["Content-Security-Policy"]  # type: ignore[index]
    directive = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    return directive.split()[1:]


def test_the_card_page_allows_exactly_the_registered_redirect_uri_origins_of_its_client(
    rp: DemoRelyingParty,
) -> None:
    services.register_relying_party(
        client_id="RP00000002",
        name="別の市",
        redirect_uris=["https://other-city.example.lg.jp/identity/callback/"],
        jwks={"keys": [rp.key.as_dict(private=False)]},
    )

    page = rp.http.get(rp.authorization_request().url)

    assert page.status_code == 200
    assert _form_action(page) == ["'self'", "https://rp.example.lg.jp"]


def test_a_card_page_shown_again_with_an_error_keeps_the_clients_origins(
    rp: DemoRelyingParty,
) -> None:
    request = rp.authorization_request()

    page = rp.http.post(request.url, {"action": "authenticate", "resident": "", "pin": ""})

    assert page.status_code == 422
    assert _form_action(page) == ["'self'", "https://rp.example.lg.jp"]


def test_every_registered_redirect_uri_origin_of_the_client_is_allowed_with_its_port(
    db: None, rp: DemoRelyingParty
) -> None:
    services.register_relying_party(
        client_id=CLIENT_ID,
        name="加賀市 電子申請",
        redirect_uris=[
            "http://127.0.0.1:8080/identity/callback/",
            "http://localhost:8080/identity/callback/",
        ],
        jwks={"keys": [rp.key.as_dict(private=False)]},
    )

    page = rp.http.get(
        rp.authorization_request(redirect_uri="http://127.0.0.1:8080/identity/callback/").url
    )

    assert _form_action(page) == ["'self'", "http://127.0.0.1:8080", "http://localhost:8080"]


def test_an_error_page_about_an_unknown_client_allows_no_other_origin(
    rp: DemoRelyingParty, http: Client
) -> None:
    page = http.get(rp.authorization_request(client_id="RP99999999").url)

    assert page.status_code == 400
    assert _form_action(page) == ["'self'"]
