"""verify_bundle: offline, it catches a changed document, a swapped certificate, a bad root."""

from __future__ import annotations

import base64
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.identity import jpki
from madoguchi.signatures.verify import SignatureInvalid, verify_bundle
from madoguchi.simulators.idp import authorities, pki
from madoguchi.simulators.idp.residents import get_resident

from .conftest import bundle_of, demo_document, signed_by

pytestmark = pytest.mark.django_db


def roots() -> list[Any]:
    return authorities.test_pki().trust_roots


def test_a_signature_made_with_the_card_verifies_offline() -> None:
    document = demo_document(phone="0761-72-1111")
    signed = signed_by("kaga-taro", document)

    report = verify_bundle(bundle_of(signed), document=document, trust_roots=roots())

    assert report.document_sha256 == signed.document_sha256
    assert report.signer_serial == jpki.format_serial(signed.certificate.serial_number)
    assert "JPKI for digital signature" in report.signer_issuer


def test_the_cms_is_detached_signed_data_with_the_cards_signature_and_no_signed_attributes() -> (
    None
):
    document = demo_document()
    signed = signed_by("kaga-taro", document)

    info = cms.ContentInfo.load(base64.b64decode(bundle_of(signed)["cms"]))

    signed_data = info["content"]
    assert info["content_type"].native == "signed_data"
    assert signed_data["encap_content_info"]["content"].native is None
    signer = signed_data["signer_infos"][0]
    assert signer["signature"].native == signed.signature
    assert signer["signed_attrs"].native is None
    assert len(signed_data["certificates"]) == 3
    assert len(signed_data["crls"]) == 2


def test_openssl_accepts_the_cms_over_the_document(tmp_path: Path) -> None:
    document = demo_document()
    signed = signed_by("kaga-taro", document)
    (tmp_path / "doc.json").write_bytes(document)
    (tmp_path / "sig.der").write_bytes(base64.b64decode(bundle_of(signed)["cms"]))
    (tmp_path / "root.pem").write_bytes(pki.to_pem(roots()[0]))

    verified = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "sig.der"),
            "-content",
            str(tmp_path / "doc.json"),
            "-CAfile",
            str(tmp_path / "root.pem"),
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        check=False,
    )

    assert verified.returncode == 0, verified.stderr


def test_a_changed_answer_no_longer_matches_the_signature() -> None:
    created = timezone.now()
    signed = signed_by("kaga-taro", demo_document(created, phone="0761-72-1111"))
    tampered = demo_document(created, phone="0761-72-9999")

    with pytest.raises(SignatureInvalid, match="not the one that was signed"):
        verify_bundle(bundle_of(signed), document=tampered, trust_roots=roots())

    forged = bundle_of(signed) | {
        "document_sha256": __import__("hashlib").sha256(tampered).hexdigest()
    }
    with pytest.raises(SignatureInvalid, match="does not match the document"):
        verify_bundle(forged, document=tampered, trust_roots=roots())


def test_another_persons_certificate_swapped_in_is_rejected() -> None:
    document = demo_document()
    signed = signed_by("kaga-taro", document)
    other = signed_by("kaga-yoshida", document)
    swapped = bundle_of(signed) | {"certificate": bundle_of(other)["certificate"]}
    swapped_cms = bundle_of(type(signed)(**{**signed.__dict__, "certificate": other.certificate}))

    with pytest.raises(SignatureInvalid, match="not the one the signature names"):
        verify_bundle(swapped, document=document, trust_roots=roots())
    with pytest.raises(SignatureInvalid):
        verify_bundle(swapped_cms, document=document, trust_roots=roots())


def test_a_certificate_from_a_look_alike_hierarchy_is_untrusted() -> None:
    document = demo_document()
    signed = signed_by("kaga-taro", document)
    foreign = pki.cached_foreign_pki(timezone.now().date())

    with pytest.raises(SignatureInvalid, match="untrusted"):
        verify_bundle(bundle_of(signed), document=document, trust_roots=foreign.trust_roots)


def test_a_revoked_card_is_rejected_at_the_moment_of_signing() -> None:
    document = demo_document()
    signed = signed_by("kaga-takahashi", document)

    with pytest.raises(SignatureInvalid, match="revoked"):
        verify_bundle(bundle_of(signed), document=document, trust_roots=roots())


def test_an_expired_card_is_rejected() -> None:
    document = demo_document()
    signed = signed_by("kobe-yamazaki", document)

    with pytest.raises(SignatureInvalid, match="expired"):
        verify_bundle(bundle_of(signed), document=document, trust_roots=roots())


def test_a_bundle_without_crls_cannot_prove_the_certificate_was_unrevoked() -> None:
    document = demo_document()
    signed = signed_by("kaga-taro", document)
    bare = bundle_of(type(signed)(**{**signed.__dict__, "crls": []}))

    with pytest.raises(SignatureInvalid, match="revocation_unknown"):
        verify_bundle(bare, document=document, trust_roots=roots())


def test_a_check_time_far_from_the_signing_time_is_refused() -> None:
    created = timezone.now() - timedelta(days=2)
    document = demo_document(created)
    signed = signed_by("kaga-taro", document)

    with pytest.raises(SignatureInvalid, match="not checked when"):
        verify_bundle(bundle_of(signed), document=document, trust_roots=roots())


def test_the_card_is_the_resident_s_own() -> None:
    card = authorities.card(get_resident("kaga-taro"))

    assert card.signing_certificate.issuer == authorities.test_pki().sign.certificate.subject


def test_a_certificate_damaged_where_it_is_read_late_is_refused() -> None:
    """Found by the property below: cryptography parses a certificate's issuer on first use."""
    document = demo_document(phone="0761-72-1111")
    bundle = bundle_of(signed_by("kaga-taro", document))
    der = base64.b64decode(bundle["cms"])
    signer = base64.b64decode(bundle["certificate"])
    start = der.index(signer)
    # The issuer's "JPKI for digital signature" as a UTF8String (tag 12) becomes tag 13.
    at = der.index(b"\x0c\x1aJPKI for digital signature", start)
    damaged = der[:at] + b"\x0d" + der[at + 1 :]

    with pytest.raises(SignatureInvalid, match="cannot be read"):
        verify_bundle(
            bundle | {"cms": base64.b64encode(damaged).decode()},
            document=document,
            trust_roots=roots(),
        )


@pytest.fixture
def one_signature() -> tuple[dict[str, Any], bytes, bytes]:
    """Made once for all of Hypothesis's examples (a function-scoped fixture runs once)."""
    document = demo_document(phone="0761-72-1111")
    bundle = bundle_of(signed_by("kaga-taro", document))
    return bundle, document, base64.b64decode(bundle["cms"])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_damaged_cms_is_refused_with_a_reason_and_never_crashes(
    one_signature: tuple[dict[str, Any], bytes, bytes], data: st.DataObject
) -> None:
    """Any byte changed, dropped or cut off: SignatureInvalid, not an exception from the parser."""
    bundle, document, der = one_signature
    position = data.draw(st.integers(0, len(der) - 1))
    damage = data.draw(st.sampled_from(["flip", "drop", "truncate"]))
    if damage == "flip":
        bit = data.draw(st.integers(0, 7))
        damaged = der[:position] + bytes([der[position] ^ (1 << bit)]) + der[position + 1 :]
    elif damage == "drop":
        damaged = der[:position] + der[position + 1 :]
    else:
        damaged = der[:position]

    try:
        verify_bundle(
            bundle | {"cms": base64.b64encode(damaged).decode()},
            document=document,
            trust_roots=roots(),
        )
    except SignatureInvalid:
        return
    # A flip inside a part that no check reads (an unused CRL extension, say) may leave a
    # valid signature; it must then still be the card's signature over this document.
    assert damage == "flip"
