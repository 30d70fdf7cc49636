"""The authorization code flow end to end, as a relying party sees it."""

from __future__ import annotations

from madoguchi.simulators.idp.claims import pairwise_subject

from .conftest import ISSUER, DemoRelyingParty


def test_a_resident_logs_in_and_the_service_reads_the_basic_four_items(
    rp: DemoRelyingParty,
) -> None:
    request, callback = rp.login(resident="kaga-yoshida", pin="2580")

    assert callback["state"] == request.params["state"]
    assert callback["iss"] == ISSUER
    assert callback["session_state"]
    token_response = rp.exchange(callback["code"], request)
    assert token_response.status_code == 200, token_response.content
    tokens = token_response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 300
    assert tokens["scope"] == "openid name address birthdate gender"
    assert "refresh_token" not in tokens
    assert token_response["Cache-Control"] == "no-store"

    claims = rp.verify_id_token(tokens["id_token"], request, tokens["access_token"])
    assert claims["aud"] == [rp.client_id]
    assert claims["azp"] == rp.client_id
    assert claims["acr"] == "aal3"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["sid"] == callback["session_state"]
    assert "name" not in claims
    assert claims["sub"] == pairwise_subject(client_id=rp.client_id, resident_id="kaga-yoshida")

    userinfo = rp.userinfo(tokens["access_token"])
    assert userinfo.status_code == 200
    assert userinfo.json() == {
        "sub": claims["sub"],
        "name": "𠮷田 花子",
        "address": "石川県加賀市山代温泉19-1",
        "birthdate": "19881123",
        "gender": "2",
    }


def test_acr_is_only_claimed_when_aal3_was_requested(rp: DemoRelyingParty) -> None:
    request, callback = rp.login(acr_values=None)
    tokens = rp.exchange(callback["code"], request).json()

    claims = rp.verify_id_token(tokens["id_token"], request, tokens["access_token"])

    assert "acr" not in claims
    assert claims["nonce"] == request.params["nonce"]
