from __future__ import annotations

import json
import logging
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from joserfc.jwk import ECKey, RSAKey

from madoguchi.identity import services
from madoguchi.identity.models import IdentityProvider
from madoguchi.testing.factories import MunicipalityFactory


@pytest.mark.django_db
def test_a_city_adds_a_generic_oidc_provider_with_a_claim_mapping() -> None:
    MunicipalityFactory(lg_code="172065")
    out = StringIO()

    call_command(
        "identity",
        "add-provider",
        "172065",
        "xid",
        "--kind",
        "oidc",
        "--name",
        "xID",
        "--issuer",
        "https://idp.example.jp",
        "--client-id",
        "kaga",
        "--assurance",
        "mynumber",
        "--claim-mapping",
        '{"address": "address.formatted"}',
        stdout=out,
    )

    provider = IdentityProvider.objects.get(key="xid")
    assert provider.scopes == "openid profile address"
    assert provider.claim_mapping == {"address": "address.formatted"}
    assert provider.client_private_jwk["kty"] == "RSA"
    public = json.loads(out.getvalue().split("provider:\n", 1)[1])
    assert "d" not in public["keys"][0]


@pytest.mark.django_db
def test_a_mapping_that_is_not_json_is_refused() -> None:
    MunicipalityFactory(lg_code="172065")

    with pytest.raises(CommandError, match="not JSON"):
        call_command(
            "identity",
            "add-provider",
            "172065",
            "xid",
            "--kind",
            "oidc",
            "--name",
            "xID",
            "--issuer",
            "https://idp.example.jp",
            "--client-id",
            "kaga",
            "--claim-mapping",
            "{",
        )


def _add_provider(*extra: str, kind: str = "digital_auth_app", key: str = "auth-app") -> str:
    out = StringIO()
    call_command(
        "identity",
        "add-provider",
        "172065",
        key,
        "--kind",
        kind,
        "--name",
        "デジタル認証アプリ",
        "--issuer",
        "https://idp.example.jp",
        "--client-id",
        f"RP-{key}",
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _jwk_file(tmp_path: Path, jwk: dict[str, Any], name: str = "client.jwk") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(jwk), encoding="utf-8")
    return str(path)


def _ec_key(curve: str = "P-256") -> dict[str, Any]:
    return dict(ECKey.generate_key(curve, {"kid": "ec-1"}).as_dict(private=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("jwk", "reason"),
    [
        (_ec_key(), "RSA"),
        (dict(RSAKey.generate_key(1024, {"kid": "small"}).as_dict(private=True)), "2048"),
        (dict(RSAKey.generate_key(2048, {"kid": "pub"}).as_dict(private=False)), "private"),
        ({**services.new_client_key("x"), "kid": ""}, "kid"),
        ({**services.new_client_key("x"), "alg": "PS256"}, "RS256"),
        ({**services.new_client_key("x"), "use": "enc"}, "sig"),
        ({"kty": "RSA", "kid": "broken", "n": "AQAB"}, "RSA"),
        ({"kty": "oct", "kid": "secret", "k": "c2VjcmV0"}, "RSA"),
        (["not", "an", "object"], "JWK"),
    ],
)
def test_a_client_key_the_service_cannot_use_is_refused_and_nothing_is_saved(
    tmp_path: Path, jwk: Any, reason: str
) -> None:
    MunicipalityFactory(lg_code="172065")

    with pytest.raises(CommandError, match=reason):
        _add_provider("--private-jwk-file", _jwk_file(tmp_path, jwk))

    assert not IdentityProvider.objects.exists()


@pytest.mark.django_db
def test_a_key_file_that_is_not_json_is_refused_and_nothing_is_saved(tmp_path: Path) -> None:
    MunicipalityFactory(lg_code="172065")
    path = tmp_path / "client.jwk"
    path.write_text("-----BEGIN PRIVATE KEY-----", encoding="utf-8")

    with pytest.raises(CommandError, match="JSON"):
        _add_provider("--private-jwk-file", str(path))

    assert not IdentityProvider.objects.exists()


@pytest.mark.django_db
def test_a_generic_oidc_provider_may_use_an_ec_p256_key_and_it_is_published(
    tmp_path: Path,
) -> None:
    MunicipalityFactory(lg_code="172065")

    printed = _add_provider("--private-jwk-file", _jwk_file(tmp_path, _ec_key()), kind="oidc")

    public = json.loads(printed.split("provider:\n", 1)[1])["keys"][0]
    assert (public["kty"], public["crv"], public["kid"]) == ("EC", "P-256", "ec-1")
    assert "d" not in public


@pytest.mark.django_db
def test_a_generic_oidc_provider_refuses_other_curves(tmp_path: Path) -> None:
    MunicipalityFactory(lg_code="172065")

    with pytest.raises(CommandError, match="P-256"):
        _add_provider("--private-jwk-file", _jwk_file(tmp_path, _ec_key("P-384")), kind="oidc")


@pytest.mark.django_db
def test_one_provider_with_a_bad_key_does_not_break_the_others_keys(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    MunicipalityFactory(lg_code="172065")
    _add_provider(key="good")
    bad = IdentityProvider.objects.get(key="good")
    bad.pk = None
    bad.key = "bad"
    bad.client_private_jwk = _ec_key()  # saved before keys were checked
    bad.save()
    good_kid = IdentityProvider.objects.get(key="good").client_private_jwk["kid"]
    out = StringIO()

    with caplog.at_level(logging.ERROR, logger="madoguchi.identity"):
        call_command("identity", "jwks", stdout=out)
        response = client.get("/identity/jwks.json")

    assert [k["kid"] for k in json.loads(out.getvalue())["keys"]] == [good_kid]
    assert response.status_code == 200
    assert [k["kid"] for k in response.json()["keys"]] == [good_kid]
    logged = [r.getMessage() for r in caplog.records if r.name == "madoguchi.identity"]
    assert logged and all(f"provider={bad.pk}" in line for line in logged)
    assert all('"d"' not in line and bad.client_private_jwk["d"] not in line for line in logged)
