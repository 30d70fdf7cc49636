"""The relying party against a real (loopback) provider that lies in one way per test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from madoguchi.identity import oidc
from madoguchi.identity.models import Assurance, IdentityProvider
from madoguchi.testing.factories import MunicipalityFactory

from .fake_op import FakeOP, register_card_provider, running

REDIRECT_URI = "http://testserver/identity/callback/"


@pytest.fixture
def op() -> Iterator[FakeOP]:
    cache.clear()
    with running(FakeOP()) as provider:
        yield provider
    cache.clear()


@pytest.fixture
def provider(db: None, op: FakeOP) -> IdentityProvider:
    provider: IdentityProvider = register_card_provider(
        op, MunicipalityFactory(lg_code="172065"), client_key_id="RP172065-1"
    )
    return provider


def authorize(provider: IdentityProvider, op: FakeOP) -> tuple[oidc.PendingLogin, dict[str, str]]:
    """Start a login and let the provider answer with a code, as its login page would."""
    url, pending = oidc.authorization_url(provider, redirect_uri=REDIRECT_URI, next_key="draft")
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    code = op.issue_code(nonce=query["nonce"], code_challenge=query["code_challenge"])
    return pending, {"state": pending.state, "code": code}


def test_the_authorization_request_carries_pkce_state_nonce_and_the_services_scopes(
    provider: IdentityProvider, op: FakeOP
) -> None:
    url, pending = oidc.authorization_url(provider, redirect_uri=REDIRECT_URI, next_key="draft")

    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert url.startswith(f"{op.base_url}/auth?")
    assert query["response_type"] == "code"
    assert query["client_id"] == "RP172065"
    assert query["scope"] == "openid name address birthdate gender"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"] == pending.state
    assert query["nonce"] == pending.nonce
    assert query["acr_values"] == "aal3 crl"
    assert pending.code_verifier not in url


def test_a_honest_provider_logs_the_resident_in_with_the_basic_four_items(
    provider: IdentityProvider, op: FakeOP
) -> None:
    pending, callback = authorize(provider, op)

    result = oidc.complete(provider, pending, callback)

    assert result.subject == "pairwise-subject-1"
    assert result.acr == "aal3"
    assert result.userinfo["name"] == "加賀 太郎"


def test_the_code_is_exchanged_with_a_short_lived_private_key_jwt_and_the_pkce_verifier(
    provider: IdentityProvider, op: FakeOP
) -> None:
    pending, callback = authorize(provider, op)

    oidc.complete(provider, pending, callback)

    form = op.token_requests[-1]
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["code_verifier"] == pending.code_verifier
    assert "client_secret" not in form
    assertion = jwt.decode(form["client_assertion"], KeySet.import_key_set(op.client_public_jwks))
    claims: dict[str, Any] = assertion.claims
    assert claims["iss"] == claims["sub"] == "RP172065"
    assert claims["aud"] == f"{op.base_url}/token"
    assert claims["exp"] - claims["iat"] <= 60
    assert claims["jti"]


@pytest.mark.parametrize(
    ("behaviour", "check"),
    [
        ("wrong_nonce", "id_token_nonce"),
        ("wrong_iss", "id_token_iss"),
        ("wrong_aud", "id_token_aud"),
        ("expired", "id_token_exp"),
        ("future_iat", "id_token_iat"),
        ("wrong_at_hash", "id_token_at_hash"),
        ("bad_signature", "id_token_signature"),
        ("hs256", "id_token_signature"),
        ("tampered", "id_token_signature"),
        ("foreign_azp", "id_token_azp"),
        ("userinfo_sub", "userinfo_sub"),
        ("discovery_issuer", "issuer_mismatch"),
    ],
)
def test_a_provider_that_lies_is_not_believed(
    provider: IdentityProvider, op: FakeOP, behaviour: str, check: str
) -> None:
    pending, callback = authorize(provider, op)
    op.behaviour = behaviour
    cache.clear()

    with pytest.raises(oidc.LoginFailed) as failure:
        oidc.complete(provider, pending, callback)

    assert failure.value.check == check


def test_a_callback_for_another_login_is_refused(provider: IdentityProvider, op: FakeOP) -> None:
    pending, callback = authorize(provider, op)

    with pytest.raises(oidc.LoginFailed) as failure:
        oidc.complete(provider, pending, {**callback, "state": "forged"})

    assert failure.value.check == "state"


def test_a_code_is_used_once(provider: IdentityProvider, op: FakeOP) -> None:
    pending, callback = authorize(provider, op)
    oidc.complete(provider, pending, callback)

    with pytest.raises(oidc.TokenRefused) as failure:
        oidc.complete(provider, pending, callback)

    assert (failure.value.check, failure.value.error) == ("token_refused", "invalid_grant")


def test_an_authorization_response_from_another_issuer_is_refused(
    provider: IdentityProvider, op: FakeOP
) -> None:
    pending, callback = authorize(provider, op)

    with pytest.raises(oidc.LoginFailed) as failure:
        oidc.complete(provider, pending, {**callback, "iss": "https://evil.example"})

    assert failure.value.check == "issuer_mismatch"


def test_a_cancelled_login_reports_the_providers_reason(
    provider: IdentityProvider, op: FakeOP
) -> None:
    pending, _callback = authorize(provider, op)

    with pytest.raises(oidc.ProviderDeclined) as declined:
        oidc.complete(
            provider,
            pending,
            {"state": pending.state, "error": "access_denied", "error_description": "PIN locked"},
        )

    assert declined.value.error == "access_denied"
    assert declined.value.description == "PIN locked"


def test_an_unreachable_provider_is_a_clear_failure(provider: IdentityProvider) -> None:
    provider.issuer = "http://127.0.0.1:9/realms/main"
    cache.clear()

    with pytest.raises(oidc.LoginFailed) as failure:
        oidc.authorization_url(provider, redirect_uri=REDIRECT_URI, next_key="draft")

    assert failure.value.check == "provider_unreachable"


def test_a_rotated_provider_key_is_fetched_again(provider: IdentityProvider, op: FakeOP) -> None:
    pending, callback = authorize(provider, op)
    oidc.metadata(provider)
    oidc._key_set(provider)  # cached with the old key
    op.signing_key = ECKey.generate_key("P-256", {"kid": "op-1"})

    result = oidc.complete(provider, pending, callback)

    assert result.subject == "pairwise-subject-1"


def test_a_refused_token_request_is_logged_with_the_providers_error_and_nothing_else(
    provider: IdentityProvider, op: FakeOP, caplog: pytest.LogCaptureFixture
) -> None:
    pending, callback = authorize(provider, op)
    op.behaviour = "refuse_token"

    with (
        caplog.at_level(logging.WARNING, logger="madoguchi.identity"),
        pytest.raises(oidc.TokenRefused) as failure,
    ):
        oidc.complete(provider, pending, callback)

    assert (failure.value.check, failure.value.error) == ("token_refused", "invalid_client")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "madoguchi.identity"]
    assert f"provider={provider.pk}" in line
    assert "error=invalid_client" in line
    assert "error_description=client assertion signature is not valid" in line
    assert callback["code"] not in line and pending.code_verifier not in line


@pytest.mark.parametrize("behaviour", ["acr_aal2", "no_acr"])
def test_a_card_login_below_the_services_aal3_is_refused(
    provider: IdentityProvider, op: FakeOP, behaviour: str
) -> None:
    pending, callback = authorize(provider, op)
    op.behaviour = behaviour

    with pytest.raises(oidc.AssuranceTooLow) as failure:
        oidc.complete(provider, pending, callback)

    assert failure.value.check == "acr"


def test_the_digital_authentication_app_needs_aal3_whatever_acr_values_were_configured(
    provider: IdentityProvider,
) -> None:
    provider.acr_values = "crl"

    for level in ("none", "account", "mynumber_auth", "mynumber_sign", ""):
        assert oidc.required_acr(provider, level) == {"aal3"}


def test_a_generic_card_provider_must_return_one_of_its_configured_acr_values(
    provider: IdentityProvider, op: FakeOP
) -> None:
    provider.kind = "oidc"
    provider.acr_values = "urn:example:loa:card"
    pending, callback = authorize(provider, op)

    with pytest.raises(oidc.AssuranceTooLow):
        oidc.complete(provider, pending, callback)


def test_an_account_provider_is_accepted_for_account_forms_but_never_for_card_forms(
    provider: IdentityProvider,
) -> None:
    provider.assurance = Assurance.ACCOUNT
    provider.acr_values = ""

    assert oidc.required_acr(provider, "account") == frozenset()
    for level in ("none", "mynumber_auth", "mynumber_sign", ""):
        with pytest.raises(oidc.AssuranceTooLow):
            oidc.required_acr(provider, level)
