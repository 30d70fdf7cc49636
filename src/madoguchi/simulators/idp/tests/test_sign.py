"""Sign transactions: client credentials, the signing PIN on the card page, the result."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.urls import reverse

from madoguchi.identity import jpki
from madoguchi.simulators.idp import authorities, pki
from madoguchi.simulators.idp.residents import get_resident

from .conftest import ASSERTION_TYPE, DemoRelyingParty, query

DOCUMENT = "加賀市長 様　原動機付自転車の廃車を申告します。".encode()


def client_token(rp: DemoRelyingParty) -> str:
    response = rp.http.post(
        reverse("devidp:token"),
        {
            "grant_type": "client_credentials",
            "scope": "sign",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": rp.assertion(),
        },
    )
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert "id_token" not in tokens and "refresh_token" not in tokens
    return str(tokens["access_token"])


def start(rp: DemoRelyingParty, token: str, digest: bytes | str) -> Any:
    value = digest if isinstance(digest, str) else base64.b64encode(digest).decode()
    return rp.http.post(
        reverse("devidp:sign_transactions"),
        {"digest": value, "digest_algorithm": "SHA-256"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def result(rp: DemoRelyingParty, transaction_id: str, token: str) -> Any:
    return rp.http.get(
        reverse("devidp:sign_transaction_result", args=[transaction_id]),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def sign(
    rp: DemoRelyingParty, *, resident: str = "kaga-taro", pin: str = "KAGA1975"
) -> tuple[str, dict[str, str], Any]:
    """Start a transaction over DOCUMENT and sign it; (id, callback, authorization request)."""
    transaction_id = start(rp, client_token(rp), hashlib.sha256(DOCUMENT).digest()).json()[
        "sign_transaction_id"
    ]
    request = rp.authorization_request(
        scope="openid sign", sign_transaction_id=transaction_id, acr_values=None
    )
    page = rp.http.get(request.url)
    assert page.status_code == 200
    digest = hashlib.sha256(DOCUMENT).hexdigest()
    assert " ".join(digest[i : i + 16] for i in range(0, 64, 16)) in page.text
    response = rp.http.post(request.url, {"resident": resident, "pin": pin, "action": "sign"})
    callback = query(response)
    assert "code" in callback, callback
    return transaction_id, callback, request


def test_a_resident_signs_and_the_relying_party_gets_a_standard_rsa_signature(
    rp: DemoRelyingParty,
) -> None:
    transaction_id, callback, request = sign(rp)
    tokens = rp.exchange(callback["code"], request).json()

    response = result(rp, transaction_id, tokens["access_token"])

    assert response.status_code == 200, response.content
    body = response.json()
    certificate = x509.load_der_x509_certificate(base64.b64decode(body["certificate"]))
    key = certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(base64.b64decode(body["signature"]), DOCUMENT, padding.PKCS1v15(), hashes.SHA256())
    assert jpki.certificate_kind(certificate) == "signing"
    assert jpki.parse_basic_four_items(certificate).name == "加賀　太郎"
    assert tokens["scope"] == "openid sign"
    assert rp.userinfo(tokens["access_token"]).json() == {"sub": rp_sub(rp)}


def rp_sub(rp: DemoRelyingParty) -> str:
    from madoguchi.simulators.idp.claims import pairwise_subject

    return pairwise_subject(client_id=rp.client_id, resident_id="kaga-taro")


@pytest.mark.parametrize(
    "digest", [b"\x00" * 31, b"\x00" * 33, "not base64!", hashlib.sha256(b"x").hexdigest()]
)
def test_only_a_sha_256_digest_in_base64_can_be_signed(rp: DemoRelyingParty, digest: Any) -> None:
    response = start(rp, client_token(rp), digest)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_transaction_needs_a_client_credentials_token(rp: DemoRelyingParty) -> None:
    request, callback = rp.login()
    resident_token = rp.exchange(callback["code"], request).json()["access_token"]

    assert start(rp, "forged", b"\x00" * 32).status_code == 401
    assert start(rp, resident_token, b"\x00" * 32).status_code == 403


def test_the_result_is_only_for_the_token_of_the_signing_login(rp: DemoRelyingParty) -> None:
    transaction_id = start(rp, client_token(rp), b"\x01" * 32).json()["sign_transaction_id"]
    request, callback = rp.login()  # an ordinary login: it did not sign anything
    other_token = rp.exchange(callback["code"], request).json()["access_token"]

    assert result(rp, transaction_id, client_token(rp)).status_code == 403
    assert result(rp, transaction_id, other_token).status_code == 403
    assert result(rp, "no-such-transaction", other_token).status_code == 404


def test_a_client_token_cannot_read_userinfo(rp: DemoRelyingParty) -> None:
    assert rp.userinfo(client_token(rp)).status_code == 401


def test_a_wrong_signing_password_counts_down_and_locks_after_five(rp: DemoRelyingParty) -> None:
    transaction_id = start(rp, client_token(rp), b"\x02" * 32).json()["sign_transaction_id"]
    request = rp.authorization_request(scope="openid sign", sign_transaction_id=transaction_id)
    pages = [
        rp.http.post(request.url, {"resident": "kaga-taro", "pin": "WRONG1", "action": "sign"})
        for _ in range(5)
    ]

    assert [p.status_code for p in pages] == [422] * 5
    assert "4 attempts are left" in pages[0].text
    assert "locked" in pages[-1].text
    final = rp.http.post(
        request.url, {"resident": "kaga-taro", "pin": "KAGA1975", "action": "sign"}
    )
    assert query(final)["error"] == "access_denied"


def test_a_revoked_card_still_signs_because_judging_it_is_the_relying_partys_job(
    rp: DemoRelyingParty,
) -> None:
    transaction_id, callback, request = sign(rp, resident="kaga-takahashi", pin="SEIICHI52")
    tokens = rp.exchange(callback["code"], request).json()

    assert result(rp, transaction_id, tokens["access_token"]).status_code == 200


def test_a_transaction_is_signed_once(rp: DemoRelyingParty) -> None:
    transaction_id, _callback, _request = sign(rp)
    again = rp.authorization_request(scope="openid sign", sign_transaction_id=transaction_id)

    assert query(rp.http.get(again.url))["error"] == "invalid_request"


def test_the_test_hierarchy_survives_a_restart_and_its_crls_list_revoked_cards(
    rp: DemoRelyingParty,
) -> None:
    root = authorities.test_pki().root.certificate
    card = authorities.card(get_resident("kaga-takahashi"))
    authorities._load.cache_clear()  # what a new process starts with
    authorities._load_card.cache_clear()

    assert authorities.test_pki().root.certificate == root
    assert authorities.card(get_resident("kaga-takahashi")).signing_certificate == (
        card.signing_certificate
    )
    response = rp.http.get(reverse("devidp:crl", args=["sign"]))
    crl = x509.load_der_x509_crl(response.content)
    assert response["Content-Type"] == "application/pkix-crl"
    assert crl.get_revoked_certificate_by_serial_number(card.signing_certificate.serial_number)
    assert crl.is_signature_valid(authorities.test_pki().sign.private_key.public_key())
    assert pki.to_der(crl)
