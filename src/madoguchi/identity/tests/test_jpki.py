"""JPKI certificates: reading the basic four items and validating against a test hierarchy.

The hierarchy comes from devidp and is generated once per process; each test issues
the card certificates it needs under one shared RSA key, so the module stays fast.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import pickle
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.identity.jpki import (
    BasicFourItems,
    CertificateRejected,
    ValidatedCertificate,
    avalidate_certificate,
    certificate_kind,
    format_serial,
    load_certificate,
    parse_basic_four_items,
    validate_certificate,
)
from madoguchi.simulators.idp.pki import (
    SIGNING_KEY_USAGE,
    TestPKI,
    cached_foreign_pki,
    cached_test_pki,
    crl,
    issue_auth_certificate,
    issue_signing_certificate,
    issue_signing_certificate_with_items,
    new_key,
    to_der,
)
from madoguchi.simulators.idp.residents import get_resident

DAY = date(2026, 4, 1)
NOW = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
ISSUED = NOW - timedelta(days=200)
EXPIRES = ISSUED + timedelta(days=5 * 365)


@functools.cache
def _card_key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return cached_test_pki(DAY)


def _signing(
    pki: TestPKI, resident_id: str = "kaga-taro", **validity: datetime
) -> x509.Certificate:
    validity = {"not_before": ISSUED, "not_after": EXPIRES, **validity}
    cert, _ = issue_signing_certificate(
        pki, get_resident(resident_id), private_key=_card_key(), **validity
    )
    return cert


def _auth(pki: TestPKI) -> x509.Certificate:
    cert, _ = issue_auth_certificate(
        pki, not_before=ISSUED, not_after=EXPIRES, private_key=_card_key()
    )
    return cert


def _crls(
    pki: TestPKI, *revoked: x509.Certificate, now: datetime = NOW
) -> list[x509.CertificateRevocationList]:
    sign = pki.sign.certificate.subject
    return [
        crl(pki, "root", [], now=now),
        crl(pki, "sign", [c for c in revoked if c.issuer == sign], now=now),
        crl(pki, "auth", [c for c in revoked if c.issuer != sign], now=now),
    ]


def _validate(
    pki: TestPKI,
    cert: x509.Certificate,
    *,
    kind: str = "signing",
    crls: Sequence[x509.CertificateRevocationList] | None = None,
    at: datetime = NOW,
) -> ValidatedCertificate:
    return validate_certificate(
        cert,
        kind=kind,  # type: ignore[arg-type]
        trust_roots=pki.trust_roots,
        intermediates=pki.intermediates,
        crls=_crls(pki) if crls is None else crls,
        at=at,
    )


def _rejection(pki: TestPKI, cert: x509.Certificate, **kwargs: object) -> CertificateRejected:
    with pytest.raises(CertificateRejected) as caught:
        _validate(pki, cert, **kwargs)  # type: ignore[arg-type]
    return caught.value


def _signed_with_san(pki: TestPKI, names: list[x509.GeneralName]) -> x509.Certificate:
    """A signing certificate whose subjectAltName the test writes byte by byte."""
    good = _signing(pki)
    builder = (
        x509.CertificateBuilder()
        .subject_name(good.subject)
        .issuer_name(good.issuer)
        .public_key(_card_key().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(ISSUED)
        .not_valid_after(EXPIRES)
    )
    for extension in good.extensions:
        value = (
            x509.SubjectAlternativeName(names)
            if extension.oid == x509.SubjectAlternativeName.oid
            else extension.value
        )
        builder = builder.add_extension(value, critical=extension.critical)
    return builder.sign(pki.sign.private_key, hashes.SHA256())


def _other(oid: str, der: bytes) -> x509.OtherName:
    return x509.OtherName(x509.ObjectIdentifier(oid), der)


def _utf8(text: str) -> bytes:
    body = text.encode()
    assert len(body) < 0x80
    return bytes([0x0C, len(body)]) + body


# --- valid certificates ------------------------------------------------------------------


def test_a_valid_signature_certificate_validates_and_yields_the_basic_four_items(pki):
    cert = _signing(pki)

    validated = _validate(pki, cert)
    items = parse_basic_four_items(cert)

    assert validated == ValidatedCertificate(
        serial=format_serial(cert.serial_number),
        issuer=pki.sign.certificate.subject.rfc4514_string(),
        subject=cert.subject.rfc4514_string(),
        kind="signing",
        not_after=EXPIRES.replace(microsecond=0),
        validated_at=NOW,
    )
    assert items == BasicFourItems(
        name="加賀\u3000太郎",
        name_alt="00000",
        birth_date=date(1975, 4, 1),
        sex="male",
        address="石川県加賀市大聖寺南町ニ４１",
        address_alt="00000000000000",
    )
    assert not items.has_substitute_characters


def test_a_valid_authentication_certificate_validates_and_carries_no_basic_four_items(pki):
    cert = _auth(pki)

    validated = _validate(pki, cert, kind="authentication")

    assert validated.kind == "authentication"
    assert validated.issuer == pki.auth.certificate.subject.rfc4514_string()
    with pytest.raises(CertificateRejected) as caught:
        parse_basic_four_items(cert)
    assert caught.value.code == "wrong_kind"


def test_a_name_the_card_cannot_hold_comes_with_the_positions_of_its_substitutes(pki):
    cert = _signing(pki, "kaga-yoshida")  # 𠮷田 花子

    items = parse_basic_four_items(cert)

    assert items.name == "吉田\u3000花子"
    assert items.name_substituted_at == (0,)
    assert items.address_substituted_at == ()
    assert items.has_substitute_characters


def test_the_basic_four_items_sit_under_the_jpki_oids_as_utf8strings(pki):
    cert = _signing(pki, "kobe-kitano")  # born 1926-12-24, the last day of 大正

    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    raw = {o.type_id.dotted_string: o.value for o in san.get_values_for_type(x509.OtherName)}

    assert raw == {
        "1.2.392.200149.8.5.5.1": _utf8("北野\u3000ハル"),
        "1.2.392.200149.8.5.5.2": _utf8("00000"),
        "1.2.392.200149.8.5.5.3": _utf8("2"),
        "1.2.392.200149.8.5.5.4": _utf8("219261224"),
        "1.2.392.200149.8.5.5.5": bytes([0x0C, 0x3C])
        + "兵庫県神戸市東灘区住吉東町５丁目２番１号".encode(),
        "1.2.392.200149.8.5.5.6": _utf8("0" * 20),
    }


# --- rejections --------------------------------------------------------------------------


def test_an_expired_certificate_is_rejected_as_expired(pki):
    cert = _signing(pki, not_before=NOW - timedelta(days=1900), not_after=NOW - timedelta(days=1))

    assert _rejection(pki, cert).code == "expired"


def test_a_certificate_before_its_validity_is_rejected_as_not_yet_valid(pki):
    cert = _signing(pki, not_before=NOW + timedelta(hours=1))

    assert _rejection(pki, cert).code == "not_yet_valid"


def test_a_certificate_on_the_crl_is_rejected_as_revoked(pki):
    cert = _signing(pki)
    other = _signing(pki)

    rejection = _rejection(pki, cert, crls=_crls(pki, cert, other))

    assert rejection.code == "revoked"
    assert rejection.serial == format_serial(cert.serial_number)
    with translation.override("en"):
        assert str(rejection) == (
            "This My Number Card certificate has been revoked. "
            "Please check the card's status at your city office."
        )


def test_a_revoked_authentication_certificate_is_rejected_as_revoked(pki):
    cert = _auth(pki)

    rejection = _rejection(pki, cert, kind="authentication", crls=_crls(pki, cert))

    assert rejection.code == "revoked"


def test_a_certificate_from_a_look_alike_ca_with_the_same_names_is_untrusted(pki):
    foreign = cached_foreign_pki(DAY)
    cert, _ = issue_signing_certificate(
        foreign,
        get_resident("kaga-taro"),
        not_before=ISSUED,
        not_after=EXPIRES,
        private_key=_card_key(),
    )
    assert cert.issuer == pki.sign.certificate.subject

    assert _rejection(pki, cert).code == "untrusted"
    with pytest.raises(CertificateRejected) as caught:
        validate_certificate(
            cert,
            kind="signing",
            trust_roots=pki.trust_roots,
            intermediates=[*foreign.intermediates, *pki.intermediates],
            crls=[*_crls(foreign), *_crls(pki)],
            at=NOW,
        )
    assert caught.value.code == "untrusted"


def test_an_authentication_certificate_where_a_signature_is_required_is_the_wrong_kind(pki):
    rejection = _rejection(pki, _auth(pki), kind="signing")

    assert rejection.code == "wrong_kind"
    with translation.override("en"):
        assert "6 to 16 character password" in str(rejection)


def test_a_signature_certificate_where_authentication_is_required_is_the_wrong_kind(pki):
    rejection = _rejection(pki, _signing(pki), kind="authentication")

    assert rejection.code == "wrong_kind"
    with translation.override("en"):
        assert "4-digit PIN" in str(rejection)


@pytest.mark.parametrize(
    "usage",
    [
        x509.KeyUsage(True, False, False, False, False, False, False, False, False),
        x509.KeyUsage(False, False, True, False, False, False, False, False, False),
    ],
    ids=["no-non-repudiation", "key-encipherment-only"],
)
def test_a_signature_certificate_with_the_wrong_key_usage_is_rejected(pki, usage):
    cert, _ = issue_signing_certificate_with_items(
        pki,
        parse_basic_four_items(_signing(pki)),
        locality=("Ishikawa-ken", "Kaga-shi"),
        not_before=ISSUED,
        not_after=EXPIRES,
        private_key=_card_key(),
        key_usage=usage,
    )
    assert usage != SIGNING_KEY_USAGE

    assert _rejection(pki, cert).code == "wrong_key_usage"


def test_without_any_crl_the_revocation_status_is_unknown(pki):
    assert _rejection(pki, _signing(pki), crls=[]).code == "revocation_unknown"


def test_without_the_roots_crl_for_the_issuing_ca_the_revocation_status_is_unknown(pki):
    crls = [crl(pki, "sign", [], now=NOW)]

    assert _rejection(pki, _signing(pki), crls=crls).code == "revocation_unknown"


def test_a_crl_past_its_next_update_leaves_the_revocation_status_unknown(pki):
    stale = _crls(pki, now=NOW - timedelta(days=3))

    assert _rejection(pki, _signing(pki), crls=stale).code == "revocation_unknown"


def test_a_crl_published_after_the_moment_checked_is_refused_by_default(pki):
    rejection = _rejection(pki, _signing(pki), at=NOW - timedelta(days=2))

    assert rejection.code == "revocation_unknown"


def test_a_past_moment_can_be_checked_against_crls_published_since(pki):
    cert = _signing(pki)
    sign_crl = crl(pki, "sign", [cert], now=NOW, revoked_at=NOW - timedelta(days=1))
    crls = [crl(pki, "root", [], now=NOW), sign_crl]

    def check(at: datetime) -> None:
        validate_certificate(
            cert,
            kind="signing",
            trust_roots=pki.trust_roots,
            intermediates=pki.intermediates,
            crls=crls,
            at=at,
            accept_later_crls=True,
        )

    check(NOW - timedelta(days=2))  # signed before the card was revoked: still good
    with pytest.raises(CertificateRejected) as caught:
        check(NOW - timedelta(hours=1))
    assert caught.value.code == "revoked"


def test_async_callers_await_the_async_form(pki):
    cert = _signing(pki)
    arguments = {
        "kind": "signing",
        "trust_roots": pki.trust_roots,
        "intermediates": pki.intermediates,
        "crls": _crls(pki),
        "at": NOW,
    }

    async def in_a_view() -> ValidatedCertificate:
        with pytest.raises(RuntimeError, match="event loop"):
            validate_certificate(cert, **arguments)  # type: ignore[arg-type]
        return await avalidate_certificate(cert, **arguments)  # type: ignore[arg-type]

    assert asyncio.run(in_a_view()).serial == format_serial(cert.serial_number)


def test_a_certificate_with_a_changed_byte_is_untrusted(pki):
    der = bytearray(to_der(_signing(pki)))
    at = der.index("加賀".encode())
    der[at : at + 3] = "松".encode()  # same length: still parses, signature no longer fits

    rejection = _rejection(pki, load_certificate(bytes(der)))

    assert rejection.code in {"malformed", "untrusted"}
    assert rejection.code == "untrusted"


def test_truncated_certificate_bytes_are_malformed():
    with pytest.raises(CertificateRejected) as caught:
        load_certificate(b"0\x82\x05\x00" + b"\x00" * 40)

    assert caught.value.code == "malformed"


@pytest.mark.parametrize(
    ("oid", "der"),
    [
        ("1.2.392.200149.8.5.5.4", _utf8("319751301")),  # 13th month
        ("1.2.392.200149.8.5.5.4", _utf8("31975041")),  # too short
        ("1.2.392.200149.8.5.5.3", _utf8("9")),  # no such sex code
        ("1.2.392.200149.8.5.5.2", _utf8("0a000")),  # positions are 0 or 1
        ("1.2.392.200149.8.5.5.1", bytes([0x13, 2]) + b"AB"),  # PrintableString
        ("1.2.392.200149.8.5.5.1", bytes([0x0C, 2]) + b"\xff\xfe"),  # not UTF-8
        ("1.2.392.200149.8.5.5.1", _utf8("\u3000")),  # blank
    ],
    ids=["month", "short-date", "sex", "positions", "printable", "utf8", "blank-name"],
)
def test_a_malformed_basic_four_item_is_rejected(pki, oid, der):
    fields = {
        "1.2.392.200149.8.5.5.1": _utf8("加賀\u3000太郎"),
        "1.2.392.200149.8.5.5.4": _utf8("319750401"),
        "1.2.392.200149.8.5.5.3": _utf8("1"),
        "1.2.392.200149.8.5.5.5": _utf8("石川県加賀市"),
        "1.2.392.200149.8.5.5.2": _utf8("00000"),
        "1.2.392.200149.8.5.5.6": _utf8("000000"),
    }
    fields[oid] = der
    cert = _signed_with_san(pki, [_other(o, v) for o, v in fields.items()])

    with pytest.raises(CertificateRejected) as caught:
        parse_basic_four_items(cert)

    assert caught.value.code == "malformed"


def test_a_missing_or_repeated_item_is_malformed(pki):
    name = _other("1.2.392.200149.8.5.5.1", _utf8("加賀\u3000太郎"))
    repeated = _signed_with_san(pki, [name, name])

    for cert in (repeated, _signed_with_san(pki, [name])):
        with pytest.raises(CertificateRejected) as caught:
            parse_basic_four_items(cert)
        assert caught.value.code == "malformed"


def test_unknown_sex_reads_as_none(pki):
    fields = [
        _other("1.2.392.200149.8.5.5.1", _utf8("加賀\u3000太郎")),
        _other("1.2.392.200149.8.5.5.4", _utf8("019750401")),
        _other("1.2.392.200149.8.5.5.3", _utf8("3")),
        _other("1.2.392.200149.8.5.5.5", _utf8("石川県加賀市")),
    ]

    items = parse_basic_four_items(_signed_with_san(pki, fields))

    assert items.sex is None
    assert items.birth_date == date(1975, 4, 1)
    assert items.name_alt == items.address_alt == ""


def test_a_rejection_is_logged_with_its_code_and_serial_and_nothing_personal(pki, caplog):
    cert = _signing(pki)

    with caplog.at_level(logging.WARNING, logger="madoguchi.identity"):
        _rejection(pki, cert, crls=_crls(pki, cert))

    (record,) = [r for r in caplog.records if r.name == "madoguchi.identity"]
    logged = record.getMessage()
    assert "reason=revoked" in logged
    assert logged.endswith(f"serial={format_serial(cert.serial_number)}")
    for personal in ("加賀", "太郎", "大聖寺", "1975", "Kaga"):
        assert personal not in logged


def test_the_kind_falls_back_to_key_usage_when_no_jpki_policy_is_present(pki):
    key = _card_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "no policy")])

    def without_policy(usage: x509.KeyUsage) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(1)
            .not_valid_before(ISSUED)
            .not_valid_after(EXPIRES)
            .add_extension(usage, critical=True)
            .sign(key, hashes.SHA256())
        )

    assert certificate_kind(without_policy(SIGNING_KEY_USAGE)) == "signing"
    assert certificate_kind(_auth(pki)) == "authentication"
    with pytest.raises(CertificateRejected):
        certificate_kind(
            without_policy(
                x509.KeyUsage(False, False, True, False, False, False, False, False, False)
            )
        )


def test_validation_refuses_to_fall_back_to_the_operating_systems_roots(pki):
    with pytest.raises(ValueError, match="trust root"):
        validate_certificate(
            _signing(pki), kind="signing", trust_roots=[], intermediates=[], crls=[], at=NOW
        )


@given(st.integers(min_value=0, max_value=2**168 - 1))
def test_a_serial_is_shown_as_its_fewest_whole_bytes_in_colon_separated_upper_case_hex(
    number: int,
) -> None:
    shown = format_serial(number)

    pairs = shown.split(":")
    assert int("".join(pairs), 16) == number
    assert all(len(pair) == 2 and pair == pair.upper() for pair in pairs)
    assert len(pairs) == max(1, (number.bit_length() + 7) // 8)
    assert pairs[0] != "00" or number == 0


@pytest.mark.parametrize(
    ("number", "shown"),
    [(0, "00"), (1, "01"), (0x0A3F, "0A:3F"), (0x00FF << 144, "FF" + ":00" * 18)],
)
def test_serials_that_start_with_a_zero_byte_or_digit_are_shown_unpadded(
    number: int, shown: str
) -> None:
    assert format_serial(number) == shown


def test_a_rejection_is_logged_with_the_same_serial_whatever_the_leading_byte(pki, caplog):
    issued = _signing(pki)
    for number in (0x01 << 150, 0x7F << 152, 0x05):
        cert = x509.CertificateBuilder(
            issuer_name=issued.issuer,
            subject_name=issued.subject,
            public_key=issued.public_key(),
            serial_number=number,
            not_valid_before=issued.not_valid_before_utc,
            not_valid_after=issued.not_valid_after_utc,
            extensions=list(issued.extensions),
        ).sign(pki.sign.private_key, hashes.SHA256())
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="madoguchi.identity"):
            rejection = _rejection(pki, cert, crls=_crls(pki, cert))

        assert rejection.serial == format_serial(number)
        assert caplog.records[-1].getMessage().endswith(f"serial={format_serial(number)}")


def test_a_rejection_survives_pickling_with_its_code_and_serial():
    rejection = CertificateRejected("expired", "msg", serial="0A")

    copy = pickle.loads(pickle.dumps(rejection))  # noqa: S301

    assert (copy.code, copy.serial, str(copy)) == ("expired", "0A", "msg")


# --- properties --------------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("𠮷髙﨑邊吉　ー－々〓"),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    min_size=1,
    max_size=60,
).filter(str.strip)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    items=st.builds(
        BasicFourItems,
        name=_TEXT,
        name_alt=st.text(alphabet="01", max_size=60),
        birth_date=st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31)),
        sex=st.sampled_from(["male", "female", None]),
        address=_TEXT,
        address_alt=st.text(alphabet="01", max_size=60),
    )
)
def test_any_basic_four_items_survive_issue_and_parse_unchanged(pki, items):
    cert, _ = issue_signing_certificate_with_items(
        pki,
        items,
        locality=("Hyogo-ken", "Kobe-shi"),
        not_before=ISSUED,
        not_after=EXPIRES,
        private_key=_card_key(),
    )

    assert parse_basic_four_items(cert) == items
