"""The token and UserInfo endpoints: private_key_jwt, single-use codes, PKCE."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from joserfc.jwk import ECKey, RSAKey

from madoguchi.simulators.idp import services
from madoguchi.simulators.idp.models import AccessToken, AuthorizationCode

from .conftest import ASSERTION_TYPE, ISSUER, REDIRECT_URI, DemoRelyingParty


def error_of(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code in (400, 401), body  # type: ignore[attr-defined]
    return str(body["error"])


def test_a_wrong_code_verifier_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, code_verifier="x" * 64)

    assert error_of(response) == "invalid_grant"


def test_a_replayed_code_is_refused_and_revokes_the_tokens_issued_from_it(
    rp: DemoRelyingParty,
) -> None:
    request, callback = rp.login()
    tokens = rp.exchange(callback["code"], request).json()
    assert rp.userinfo(tokens["access_token"]).status_code == 200

    replay = rp.exchange(callback["code"], request)

    assert error_of(replay) == "invalid_grant"
    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_a_code_is_used_up_by_a_failed_exchange_too(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    rp.exchange(callback["code"], request, code_verifier="x" * 64)

    response = rp.exchange(callback["code"], request)

    assert error_of(response) == "invalid_grant"


def test_the_redirect_uri_must_match_the_authorization_request(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, redirect_uri=REDIRECT_URI + "/other")

    assert error_of(response) == "invalid_grant"


def test_a_code_older_than_60_seconds_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = rp.exchange(callback["code"], request)

    assert error_of(response) == "invalid_grant"


def test_a_code_of_another_client_is_refused(rp: DemoRelyingParty, rp_key: ECKey) -> None:
    request, callback = rp.login()
    services.register_relying_party(
        client_id="RP00000002",
        name="other",
        redirect_uris=[REDIRECT_URI],
        jwks={"keys": [rp_key.as_dict(private=False)]},
    )
    rp.client_id = "RP00000002"

    response = rp.exchange(callback["code"], request)

    assert error_of(response) == "invalid_grant"


def test_an_rs256_client_assertion_is_accepted_like_the_real_services(
    rp: DemoRelyingParty,
) -> None:
    rsa = RSAKey.generate_key(2048, parameters={"kid": "rp-rsa"})
    services.register_relying_party(
        client_id=rp.client_id,
        name="RS256",
        redirect_uris=[REDIRECT_URI],
        jwks={"keys": [rsa.as_dict(private=False)]},
    )
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, assertion=rp.assertion(key=rsa))

    assert response.status_code == 200


def test_a_client_assertion_signed_by_another_key_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    impostor = ECKey.generate_key("P-256", parameters={"kid": rp.key.kid})

    response = rp.exchange(callback["code"], request, assertion=rp.assertion(key=impostor))

    assert error_of(response) == "invalid_client"


@pytest.mark.parametrize(
    "aud",
    [f"{ISSUER}/protocol/openid-connect/auth", "https://sb-auth-and-sign.go.jp/api/realms/main"],
)
def test_a_client_assertion_for_another_audience_is_refused(rp: DemoRelyingParty, aud: str) -> None:
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, assertion=rp.assertion(aud=aud))

    assert error_of(response) == "invalid_client"


def test_a_client_assertion_may_name_the_issuer_as_audience(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, assertion=rp.assertion(aud=ISSUER))

    assert response.status_code == 200


def test_an_expired_client_assertion_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    old = rp.assertion(issued=int(time.time()) - 600, lifetime=300)

    response = rp.exchange(callback["code"], request, assertion=old)

    assert error_of(response) == "invalid_client"


def test_a_client_assertion_living_longer_than_a_day_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()

    response = rp.exchange(
        callback["code"], request, assertion=rp.assertion(lifetime=2 * 24 * 60 * 60)
    )

    assert error_of(response) == "invalid_client"


def test_a_client_assertion_living_a_day_is_accepted(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, assertion=rp.assertion(lifetime=86400))

    assert response.status_code == 200


def test_a_client_assertion_jti_is_single_use(rp: DemoRelyingParty) -> None:
    first_request, first = rp.login()
    reused = rp.assertion(jti="j-1")
    assert rp.exchange(first["code"], first_request, assertion=reused).status_code == 200
    request, callback = rp.login()

    response = rp.exchange(callback["code"], request, assertion=rp.assertion(jti="j-1"))

    assert error_of(response) == "invalid_client"


def test_a_client_id_that_differs_from_the_assertion_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    data = {
        "grant_type": "authorization_code",
        "code": callback["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": request.code_verifier,
        "client_id": "RP00000002",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": rp.assertion(),
    }

    response = rp.http.post(reverse("devidp:token"), data)

    assert error_of(response) == "invalid_client"


def test_a_token_request_without_client_assertion_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    data = {
        "grant_type": "authorization_code",
        "code": callback["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": request.code_verifier,
        "client_id": rp.client_id,
    }

    response = rp.http.post(reverse("devidp:token"), data)

    assert error_of(response) == "invalid_client"


def test_other_grants_are_not_offered(rp: DemoRelyingParty) -> None:
    data = {
        "grant_type": "password",
        "username": "kaga-taro",
        "password": "1234",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": rp.assertion(),
    }

    response = rp.http.post(reverse("devidp:token"), data)

    assert error_of(response) == "unsupported_grant_type"


@pytest.mark.parametrize("scope", [None, "openid", "sign name", "openid sign"])
def test_client_credentials_are_only_for_the_sign_api(
    rp: DemoRelyingParty, scope: str | None
) -> None:
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": rp.assertion(),
        **({"scope": scope} if scope else {}),
    }

    response = rp.http.post(reverse("devidp:token"), data)

    assert error_of(response) == "invalid_scope"


def test_userinfo_needs_a_valid_bearer_token(rp: DemoRelyingParty) -> None:
    assert rp.http.get(reverse("devidp:userinfo")).status_code == 401
    assert rp.userinfo("not-a-token").status_code == 401


def test_an_expired_access_token_is_refused(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    tokens = rp.exchange(callback["code"], request).json()
    AccessToken.objects.update(issued_at=timezone.now() - timedelta(seconds=301))

    assert rp.userinfo(tokens["access_token"]).status_code == 401


def test_userinfo_returns_only_the_granted_items(rp: DemoRelyingParty) -> None:
    request, callback = rp.login(resident="kobe-watanabe", pin="4321", scope="openid name gender")
    tokens = rp.exchange(callback["code"], request).json()

    info = rp.userinfo(tokens["access_token"]).json()

    assert set(info) == {"sub", "name", "gender"}
    assert info["name"] == "渡邊 美咲"
    assert info["gender"] == "2"


@override_settings(MADOGUCHI_DEVIDP_CLAIMS_PROFILE="oidc")
def test_the_oidc_claims_profile_uses_standard_shapes(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    tokens = rp.exchange(callback["code"], request).json()

    info = rp.userinfo(tokens["access_token"]).json()

    assert info["address"] == {"formatted": "石川県加賀市大聖寺南町ニ41"}
    assert info["birthdate"] == "1975-04-01"
    assert info["gender"] == "male"


def test_each_service_sees_a_different_stable_sub(rp: DemoRelyingParty, rp_key: ECKey) -> None:
    request, callback = rp.login()
    first = rp.exchange(callback["code"], request).json()
    request, callback = rp.login()
    again = rp.exchange(callback["code"], request).json()
    services.register_relying_party(
        client_id="RP00000002",
        name="other",
        redirect_uris=[REDIRECT_URI],
        jwks={"keys": [rp_key.as_dict(private=False)]},
    )
    rp.client_id = "RP00000002"
    request, callback = rp.login()
    other = rp.exchange(callback["code"], request).json()

    subs = [rp.userinfo(t["access_token"]).json()["sub"] for t in (first, again, other)]

    assert subs[0] == subs[1] != subs[2]
