"""Registering relying parties, from code and from the command line."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from joserfc.jwk import ECKey, RSAKey

from madoguchi.simulators.idp import services
from madoguchi.simulators.idp.models import RelyingParty


def public_jwks(key: ECKey | RSAKey) -> dict[str, object]:
    return {"keys": [key.as_dict(private=False)]}


@pytest.fixture
def key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "k1"})


def test_registering_again_updates_the_relying_party(db: None, key: ECKey) -> None:
    services.register_relying_party(
        client_id="RP1",
        name="one",
        redirect_uris=["http://127.0.0.1:8000/cb"],
        jwks=public_jwks(key),
    )

    services.register_relying_party(
        client_id="RP1",
        name="two",
        redirect_uris=["http://127.0.0.1:9000/cb"],
        jwks=public_jwks(key),
    )

    relying_party = RelyingParty.objects.get()
    assert relying_party.name == "two"
    assert relying_party.redirect_uris == ["http://127.0.0.1:9000/cb"]


@pytest.mark.parametrize(
    ("client_id", "redirect_uris", "problem"),
    [
        ("RP-1", ["https://rp.example/cb"], "client_id"),
        ("", ["https://rp.example/cb"], "client_id"),
        ("RP1", [], "redirect URI"),
        ("RP1", ["/relative/cb"], "absolute"),
        ("RP1", ["https://rp.example/cb#x"], "absolute"),
    ],
)
def test_a_registration_the_service_would_refuse_is_refused(
    db: None, key: ECKey, client_id: str, redirect_uris: list[str], problem: str
) -> None:
    with pytest.raises(services.InvalidRelyingParty, match=problem):
        services.register_relying_party(
            client_id=client_id, name="", redirect_uris=redirect_uris, jwks=public_jwks(key)
        )


def test_a_private_key_is_never_accepted_as_a_relying_partys_jwks(db: None, key: ECKey) -> None:
    with pytest.raises(services.InvalidRelyingParty, match="public keys only"):
        services.register_relying_party(
            client_id="RP1",
            name="",
            redirect_uris=["https://rp.example/cb"],
            jwks={"keys": [key.as_dict(private=True)]},
        )


def test_the_register_command_reads_the_jwks_file(db: None, tmp_path: Path) -> None:
    jwks_file = tmp_path / "jwks.json"
    rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    jwks_file.write_text(json.dumps(public_jwks(rsa)))
    out = StringIO()

    call_command(
        "devidp", "register", "RP00000001",
        "--redirect-uri", "http://127.0.0.1:8000/identity/callback",
        "--redirect-uri", "http://localhost:8000/identity/callback",
        "--jwks-file", str(jwks_file),
        stdout=out,
    )  # fmt: skip

    relying_party = RelyingParty.objects.get(client_id="RP00000001")
    assert len(relying_party.redirect_uris) == 2
    assert relying_party.jwks["keys"][0]["kid"] == "rsa-1"
    assert "registered RP00000001" in out.getvalue()


def test_the_register_command_reports_a_bad_file(db: None, tmp_path: Path) -> None:
    bad = tmp_path / "jwks.json"
    bad.write_text("{not json")

    with pytest.raises(CommandError, match="JWK Set"):
        call_command(
            "devidp", "register", "RP1", "--redirect-uri", "https://rp.example/cb",
            "--jwks-file", str(bad),
        )  # fmt: skip
