"""id_token signing keys: ES256, published in the JWKS, rotated without breaking RPs."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from joserfc import jws

from madoguchi.simulators.idp.models import OPKey

from .conftest import DemoRelyingParty


def kid_of(id_token: str) -> str:
    return str(jws.extract_compact(id_token.encode()).headers()["kid"])


def fresh_id_token(rp: DemoRelyingParty) -> tuple[str, object, str]:
    request, callback = rp.login()
    tokens = rp.exchange(callback["code"], request).json()
    return tokens["id_token"], request, tokens["access_token"]


def test_the_jwks_publishes_public_p256_keys_only(rp: DemoRelyingParty) -> None:
    jwks = rp.http.get(reverse("devidp:certs")).json()

    (key,) = jwks["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert key["use"] == "sig" and key["kid"]
    assert "d" not in key


def test_after_a_rotation_new_tokens_use_the_new_key_and_old_ones_still_verify(
    rp: DemoRelyingParty,
) -> None:
    old_token, old_request, old_access = fresh_id_token(rp)
    out = StringIO()

    call_command("devidp", "rotate-keys", stdout=out)
    new_token, new_request, new_access = fresh_id_token(rp)

    new_kid = OPKey.objects.first().kid  # type: ignore[union-attr]
    assert new_kid in out.getvalue()
    assert kid_of(new_token) == new_kid != kid_of(old_token)
    published = {k["kid"] for k in rp.http.get(reverse("devidp:certs")).json()["keys"]}
    assert published == {kid_of(old_token), new_kid}
    rp.verify_id_token(old_token, old_request, old_access)  # type: ignore[arg-type]
    rp.verify_id_token(new_token, new_request, new_access)  # type: ignore[arg-type]


def test_a_second_rotation_drops_the_oldest_key(rp: DemoRelyingParty) -> None:
    old_token, _, _ = fresh_id_token(rp)

    call_command("devidp", "rotate-keys", stdout=StringIO())
    call_command("devidp", "rotate-keys", stdout=StringIO())

    published = [k["kid"] for k in rp.http.get(reverse("devidp:certs")).json()["keys"]]
    assert len(published) == 2
    assert kid_of(old_token) not in published
    assert OPKey.objects.count() == 2
