"""What the simulator's My Number Cards hold: their certificates' contents, and the demo cards.

It owns the card side of JPKI: the signature certificate (署名用電子証明書) with the basic
four items encoded as J-LIS encodes them (UTF8String otherNames in subjectAltName, the
birth date with its era code, the sex code, the order real certificates use) and JPKI's
subject (prefecture and city, an opaque CN); the user authentication certificate
(利用者証明用電子証明書), which names nobody; and each demo resident's card with the
CRLs that list the revoked ones. The CAs that issue them are :mod:`.hierarchy`.
"""

from __future__ import annotations

import functools
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from madoguchi.identity.jpki import (
    OID_ADDRESS,
    OID_ADDRESS_SUBSTITUTES,
    OID_BIRTH_DATE,
    OID_NAME,
    OID_NAME_SUBSTITUTES,
    OID_SEX,
    POLICY_AUTHENTICATION,
    POLICY_SIGNING,
    BasicFourItems,
)
from madoguchi.jp.errors import InvalidJapaneseInput
from madoguchi.jp.wareki import ERAS, to_wareki

from .hierarchy import (
    TestPKI,
    certificate_policies,
    crl,
    crl_distribution_points,
    issue_certificate,
    make_key_usage,
    new_key,
)
from .residents import RESIDENTS, DemoResident, card_items

__all__ = [
    "AUTH_KEY_USAGE",
    "SIGNING_KEY_USAGE",
    "DemoCard",
    "demo_card",
    "demo_crls",
    "issue_auth_certificate",
    "issue_signing_certificate",
    "issue_signing_certificate_with_items",
]

SIGNING_KEY_USAGE = make_key_usage(signature=True, commitment=True)
AUTH_KEY_USAGE = make_key_usage(signature=True)

# Real cards name the service in Japanese here: C=JP, O=公的個人認証サービス.
_ISSUER_ALT_NAME = x509.IssuerAlternativeName(
    [
        x509.DirectoryName(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "公的個人認証サービス（試験用）"),
                ]
            )
        )
    ]
)


def _utf8string(text: str) -> bytes:
    body = text.encode("utf-8")
    if len(body) < 0x80:
        return bytes([0x0C, len(body)]) + body
    size = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([0x0C, 0x80 | len(size)]) + size + body


def _birth_date_code(birth_date: date) -> str:
    try:
        era = ERAS.index(to_wareki(birth_date).era) + 1  # 1 明治 … 5 令和
    except InvalidJapaneseInput:
        era = 0  # 不明
    return f"{era}{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"


def _sex_code(sex: str | None) -> str:
    codes = {"male": "1", "female": "2", None: "3"}
    if sex not in codes:
        raise ValueError(f"JPKI has no code for sex={sex!r}")
    return codes[sex]


def _basic_four_san(items: BasicFourItems) -> x509.SubjectAlternativeName:
    # The order real signature certificates use.
    values = [
        (OID_NAME, items.name),
        (OID_BIRTH_DATE, _birth_date_code(items.birth_date)),
        (OID_SEX, _sex_code(items.sex)),
        (OID_ADDRESS, items.address),
        (OID_NAME_SUBSTITUTES, items.name_alt),
        (OID_ADDRESS_SUBSTITUTES, items.address_alt),
    ]
    return x509.SubjectAlternativeName([x509.OtherName(oid, _utf8string(v)) for oid, v in values])


def _token(length: int) -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(length))


def issue_signing_certificate_with_items(
    pki: TestPKI,
    items: BasicFourItems,
    *,
    locality: tuple[str, str],
    not_before: datetime,
    not_after: datetime,
    private_key: rsa.RSAPrivateKey | None = None,
    key_usage: x509.KeyUsage = SIGNING_KEY_USAGE,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Issue a signature certificate recording ``items`` verbatim.

    The subject is JPKI's: C=JP, the prefecture and city as two L attributes, and a CN
    made of the request time, a sequence number and a counter code. Pass ``private_key``
    to skip key generation (tests); ``key_usage`` exists to make deliberately wrong
    certificates.
    """
    key = private_key or new_key()
    prefecture, city = locality
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, prefecture),
            x509.NameAttribute(NameOID.LOCALITY_NAME, city),
            x509.NameAttribute(
                NameOID.COMMON_NAME,
                f"{not_before:%Y%m%d%H%M%S}{secrets.randbelow(100000):05d}{_token(9)}",
            ),
        ]
    )
    certificate = issue_certificate(
        subject=subject,
        public_key=key.public_key(),
        issuer=pki.sign,
        signing_key=pki.sign.private_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (key_usage, True),
            (certificate_policies(POLICY_SIGNING), True),
            (_basic_four_san(items), False),
            (_ISSUER_ALT_NAME, False),
            (crl_distribution_points(pki.sign.crl_url), False),
        ],
    )
    return certificate, key


def issue_signing_certificate(
    pki: TestPKI,
    resident: DemoResident,
    *,
    not_before: datetime,
    not_after: datetime,
    private_key: rsa.RSAPrivateKey | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Issue ``resident``'s signature certificate (署名用電子証明書)."""
    return issue_signing_certificate_with_items(
        pki,
        card_items(resident),
        locality=resident.locality,
        not_before=not_before,
        not_after=not_after,
        private_key=private_key,
    )


def issue_auth_certificate(
    pki: TestPKI,
    *,
    not_before: datetime,
    not_after: datetime,
    private_key: rsa.RSAPrivateKey | None = None,
    key_usage: x509.KeyUsage = AUTH_KEY_USAGE,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """Issue a user authentication certificate (利用者証明用電子証明書).

    It names nobody: the subject is C=JP and an opaque CN, and there is no
    subjectAltName, exactly as on a card. That is why it takes no resident.
    """
    key = private_key or new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, _token(23)),
        ]
    )
    certificate = issue_certificate(
        subject=subject,
        public_key=key.public_key(),
        issuer=pki.auth,
        signing_key=pki.auth.private_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[
            (key_usage, True),
            (certificate_policies(POLICY_AUTHENTICATION), True),
            (_ISSUER_ALT_NAME, False),
            (crl_distribution_points(pki.auth.crl_url), False),
        ],
    )
    return certificate, key


# --- demo cards --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DemoCard:
    """What a demo resident's card holds: both certificates and their keys."""

    resident: DemoResident
    signing_certificate: x509.Certificate
    signing_key: rsa.RSAPrivateKey
    auth_certificate: x509.Certificate
    auth_key: rsa.RSAPrivateKey


@functools.lru_cache(maxsize=64)
def demo_card(pki: TestPKI, resident: DemoResident) -> DemoCard:
    """``resident``'s card under ``pki``, issued once per process.

    Validity is relative to ``pki.created_at``: a valid or revoked card was issued 200
    days earlier for five years; an expired card ran out 30 days earlier.
    """
    issued = pki.created_at - timedelta(days=200)
    if resident.card_state == "expired":
        issued = pki.created_at - timedelta(days=5 * 365 + 30)
    expires = issued + timedelta(days=5 * 365)
    signing, signing_key = issue_signing_certificate(
        pki, resident, not_before=issued, not_after=expires
    )
    auth, auth_key = issue_auth_certificate(pki, not_before=issued, not_after=expires)
    return DemoCard(resident, signing, signing_key, auth, auth_key)


def demo_crls(
    pki: TestPKI, *, now: datetime, residents: Iterable[DemoResident] = RESIDENTS
) -> list[x509.CertificateRevocationList]:
    """The three CRLs at ``now``: revoked residents' cards are listed on both."""
    revoked = [demo_card(pki, r) for r in residents if r.card_state == "revoked"]
    revoked_at = pki.created_at - timedelta(days=10)
    return [
        crl(pki, "root", [], now=now),
        crl(pki, "sign", [c.signing_certificate for c in revoked], now=now, revoked_at=revoked_at),
        crl(pki, "auth", [c.auth_certificate for c in revoked], now=now, revoked_at=revoked_at),
    ]
