"""The test JPKI hierarchy and the demo card holders."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtensionOID, NameOID
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.identity.jpki import (
    CertificateRejected,
    parse_basic_four_items,
    validate_certificate,
)
from madoguchi.jp.postal import lookup_address
from madoguchi.simulators.idp.pki import (
    AUTH_KEY_USAGE,
    SIGNING_KEY_USAGE,
    TestPKI,
    cached_foreign_pki,
    cached_test_pki,
    chain_pem,
    crl,
    demo_card,
    demo_crls,
    private_key_pem,
    to_der,
    to_pem,
)
from madoguchi.simulators.idp.residents import RESIDENTS, card_items, card_text, get_resident

DAY = date(2026, 4, 1)
NOW = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return cached_test_pki(DAY)


def _extension(
    cert: x509.Certificate, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_oid(oid)


def _ski(cert: x509.Certificate) -> bytes:
    return _extension(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest  # type: ignore[attr-defined,no-any-return]


def _aki(cert: x509.Certificate) -> bytes | None:
    return _extension(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier  # type: ignore[attr-defined,no-any-return]


# --- the hierarchy -----------------------------------------------------------------------


def test_every_certificate_is_rsa_2048_signed_with_sha_256(pki):
    card = demo_card(pki, get_resident("kaga-taro"))
    certs = [*pki.trust_roots, *pki.intermediates, card.signing_certificate, card.auth_certificate]

    for cert in certs:
        public_key = cert.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey)
        assert public_key.key_size == 2048
        assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)


def test_the_issuing_cas_sit_below_the_root_and_may_only_issue_card_certificates(pki):
    root = pki.root.certificate

    for ca in pki.intermediates:
        constraints = _extension(ca, ExtensionOID.BASIC_CONSTRAINTS)
        usage = _extension(ca, ExtensionOID.KEY_USAGE)
        assert constraints.critical and constraints.value == x509.BasicConstraints(True, 0)
        assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign  # type: ignore[attr-defined]
        assert ca.issuer == root.subject
        assert _aki(ca) == _ski(root)
        ca.verify_directly_issued_by(root)
    assert _extension(root, ExtensionOID.BASIC_CONSTRAINTS).value == x509.BasicConstraints(True, 1)


def test_the_names_follow_jpki_and_say_they_are_a_test_hierarchy(pki):
    def units(cert: x509.Certificate) -> list[str]:
        return [
            str(a.value)
            for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        ]

    assert units(pki.sign.certificate)[0] == "JPKI for digital signature"
    assert units(pki.auth.certificate)[0] == "JPKI for user authentication"
    for cert in [*pki.trust_roots, *pki.intermediates]:
        assert (
            cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "JPKI-TEST"
        )
        assert "not J-LIS" in units(cert)[-1]


def test_every_certificate_below_the_root_names_its_issuers_crl(pki):
    card = demo_card(pki, get_resident("kaga-taro"))
    expected = {
        pki.sign.certificate: "http://127.0.0.1:8000/devidp/crl/root.crl",
        pki.auth.certificate: "http://127.0.0.1:8000/devidp/crl/root.crl",
        card.signing_certificate: "http://127.0.0.1:8000/devidp/crl/sign.crl",
        card.auth_certificate: "http://127.0.0.1:8000/devidp/crl/auth.crl",
    }

    for cert, url in expected.items():
        (point,) = _extension(cert, ExtensionOID.CRL_DISTRIBUTION_POINTS).value  # type: ignore[misc]
        assert point.full_name == [x509.UniformResourceIdentifier(url)]


def test_the_signature_certificate_looks_like_the_one_on_a_card(pki):
    cert = demo_card(pki, get_resident("kaga-taro")).signing_certificate

    usage = _extension(cert, ExtensionOID.KEY_USAGE)
    policies = _extension(cert, ExtensionOID.CERTIFICATE_POLICIES)
    assert usage.critical and usage.value == SIGNING_KEY_USAGE
    assert [p.policy_identifier.dotted_string for p in policies.value] == [  # type: ignore[attr-defined]
        "1.2.392.200149.8.5.1.1.20"
    ]
    assert [(a.oid, a.value) for a in cert.subject][:3] == [
        (NameOID.COUNTRY_NAME, "JP"),
        (NameOID.LOCALITY_NAME, "Ishikawa-ken"),
        (NameOID.LOCALITY_NAME, "Kaga-shi"),
    ]
    common_name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert re.fullmatch(r"[0-9]{14}[0-9]{5}[0-9A-Z]{9}", str(common_name))
    assert _aki(cert) == _ski(pki.sign.certificate)


def test_the_authentication_certificate_names_nobody(pki):
    cert = demo_card(pki, get_resident("kaga-taro")).auth_certificate

    assert [a.oid for a in cert.subject] == [NameOID.COUNTRY_NAME, NameOID.COMMON_NAME]
    assert _extension(cert, ExtensionOID.KEY_USAGE).value == AUTH_KEY_USAGE
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_the_cached_hierarchy_is_generated_once_per_day():
    assert cached_test_pki(DAY) is cached_test_pki(DAY)
    assert cached_test_pki(DAY).created_at == datetime(2026, 4, 1, tzinfo=UTC)


def test_the_foreign_hierarchy_has_the_same_names_and_other_keys(pki):
    foreign = cached_foreign_pki(DAY)

    for ours, theirs in zip(
        [*pki.trust_roots, *pki.intermediates],
        [*foreign.trust_roots, *foreign.intermediates],
        strict=True,
    ):
        assert ours.subject == theirs.subject
        assert ours.public_key() != theirs.public_key()


# --- CRLs --------------------------------------------------------------------------------


def test_a_crl_lists_the_revoked_serials_and_is_signed_by_its_issuer(pki):
    card = demo_card(pki, get_resident("kaga-takahashi"))

    revocations = crl(pki, "sign", [card.signing_certificate], now=NOW)

    assert revocations.issuer == pki.sign.certificate.subject
    assert [r.serial_number for r in revocations] == [card.signing_certificate.serial_number]
    assert (
        revocations.get_revoked_certificate_by_serial_number(
            card.signing_certificate.serial_number
        ).revocation_date_utc
        < NOW
    )  # type: ignore[union-attr]
    assert revocations.next_update_utc == NOW + timedelta(days=1)
    assert revocations.is_signature_valid(pki.sign.certificate.public_key())  # type: ignore[arg-type]


def test_a_crl_refuses_a_certificate_its_issuer_did_not_issue(pki):
    card = demo_card(pki, get_resident("kaga-taro"))

    with pytest.raises(ValueError, match="did not issue"):
        crl(pki, "auth", [card.signing_certificate], now=NOW)


@pytest.mark.parametrize("resident", RESIDENTS, ids=[r.id for r in RESIDENTS])
def test_each_demo_card_validates_as_its_state_says(pki, resident):
    card = demo_card(pki, resident)
    crls = demo_crls(pki, now=NOW)
    expected = {"valid": None, "revoked": "revoked", "expired": "expired"}[resident.card_state]

    for kind, cert in (
        ("signing", card.signing_certificate),
        ("authentication", card.auth_certificate),
    ):
        try:
            validate_certificate(
                cert,
                kind=kind,  # type: ignore[arg-type]
                trust_roots=pki.trust_roots,
                intermediates=pki.intermediates,
                crls=crls,
                at=NOW,
            )
            outcome = None
        except CertificateRejected as rejection:
            outcome = rejection.code
        assert outcome == expected, kind


# --- what the card records ---------------------------------------------------------------


def test_a_card_records_ascii_as_full_width_and_flags_substitutes():
    assert card_text("石川県加賀市山代温泉19-1") == ("石川県加賀市山代温泉１９－１", "0" * 14)
    assert card_text("𠮷田 花子") == ("吉田\u3000花子", "10000")
    assert card_text("髙橋") == ("高橋", "10")
    assert card_text("山﨑") == ("山崎", "01")
    assert card_text("渡邊") == ("渡邊", "00")  # 邊 is in JIS X 0208
    assert card_text("葛\U000e0100城") == ("葛城", "10")  # variation selector dropped, flagged
    assert card_text("😀") == ("〓", "1")


def test_the_demo_residents_basic_four_items_round_trip_through_their_card(pki):
    for resident in RESIDENTS:
        card = demo_card(pki, resident)

        items = parse_basic_four_items(card.signing_certificate)

        assert items == card_items(resident)
        assert items.birth_date == resident.birth_date and items.sex == resident.sex
        assert unicodedata.normalize("NFKC", items.address) == resident.address


@given(st.text(max_size=80))
def test_card_text_keeps_one_flag_per_recorded_character_and_only_card_characters(text):
    recorded, flags = card_text(text)

    assert len(recorded) == len(flags)
    assert set(flags) <= {"0", "1"}
    for char in recorded:
        assert char == "－" or len(char.encode("euc_jp")) >= 2  # JIS X 0208/0212, full width


# --- demo residents ----------------------------------------------------------------------


def test_the_demo_covers_kaga_and_kobe_and_every_card_state():
    cities = [r.locality[1] for r in RESIDENTS]
    states = [r.card_state for r in RESIDENTS]

    assert len(RESIDENTS) >= 6
    assert cities.count("Kaga-shi") >= 3 and cities.count("Kobe-shi") >= 2
    assert {"valid", "revoked", "expired"} <= set(states)
    assert len({r.id for r in RESIDENTS}) == len(RESIDENTS)
    assert any(card_items(r).has_substitute_characters for r in RESIDENTS)


@pytest.mark.parametrize("resident", RESIDENTS, ids=[r.id for r in RESIDENTS])
def test_a_demo_resident_follows_the_cards_rules(resident):
    assert re.fullmatch(r"[0-9]{4}", resident.auth_pin)
    assert re.fullmatch(r"(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{6,16}", resident.sign_pin)
    assert re.fullmatch(r"[\u30a0-\u30ff]+ [\u30a0-\u30ff]+", resident.name_kana)
    address = lookup_address(resident.postal_code)
    assert address is not None and resident.address.startswith(address.full)


def test_an_unknown_resident_is_a_lookup_error():
    with pytest.raises(LookupError):
        get_resident("nobody")


# --- encodings ---------------------------------------------------------------------------


def test_pem_and_der_round_trip(pki):
    card = demo_card(pki, get_resident("kobe-watanabe"))
    revocations = crl(pki, "auth", [], now=NOW)

    assert x509.load_pem_x509_certificate(to_pem(card.auth_certificate)) == card.auth_certificate
    assert x509.load_der_x509_certificate(to_der(card.auth_certificate)) == card.auth_certificate
    assert x509.load_pem_x509_crl(to_pem(revocations)) == revocations
    assert x509.load_pem_x509_certificates(chain_pem(pki)) == [*pki.trust_roots, *pki.intermediates]
    key = serialization.load_pem_private_key(private_key_pem(card.auth_key), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(b"challenge", padding.PKCS1v15(), hashes.SHA256())
    card.auth_certificate.public_key().verify(  # type: ignore[call-arg,union-attr]
        signature, b"challenge", padding.PKCS1v15(), hashes.SHA256()
    )
