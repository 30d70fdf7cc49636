"""The basic four items (基本4情報) as a signature certificate records them.

The basic four items (氏名, 生年月日, 性別, 住所) sit in subjectAltName ``otherName``
entries under the J-LIS arc ``1.2.392.200149.8.5.5``, each value a UTF8String. Characters
outside JIS X 0208 and JIS X 0212 (髙, 﨑, 𠮷 …) are not in the certificate: J-LIS records a
substitute character (代替文字) instead and a position string ("0010…", one digit per
character) saying which characters are substitutes. Prefill must show the resident that
such a character is a stand-in, not silently "correct" their name.

This module reads; it does not decide whether to trust what it reads. Validate the
certificate first (:mod:`madoguchi.identity.jpki.paths`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cryptography import x509

from .certificates import certificate_kind, rejected, serial_of, wrong_kind_message

Sex = Literal["male", "female", "other"]

# subjectAltName otherName types of the signature certificate (J-LIS profile specification;
# named "jpki-pd-*" in kjur/jsrsasign-oid-jpki). Every value is a UTF8String: 生年月日 is
# "EYYYYMMDD" (E: era code), 性別 "1"/"2"/"3", the *_SUBSTITUTES values "0"/"1" strings.
OID_NAME = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")
OID_NAME_SUBSTITUTES = x509.ObjectIdentifier("1.2.392.200149.8.5.5.2")
OID_SEX = x509.ObjectIdentifier("1.2.392.200149.8.5.5.3")
OID_BIRTH_DATE = x509.ObjectIdentifier("1.2.392.200149.8.5.5.4")
OID_ADDRESS = x509.ObjectIdentifier("1.2.392.200149.8.5.5.5")
OID_ADDRESS_SUBSTITUTES = x509.ObjectIdentifier("1.2.392.200149.8.5.5.6")
_PERSONAL_DATA_OIDS = frozenset(
    {OID_NAME, OID_NAME_SUBSTITUTES, OID_SEX, OID_BIRTH_DATE, OID_ADDRESS, OID_ADDRESS_SUBSTITUTES}
)

# Certificate policies: 1.2.392.200149.8.5.1.1.x is the signature service, .1.3.x user
_SEX_CODES: dict[str, Sex | None] = {"1": "male", "2": "female", "3": None}  # 3: 不明 (unknown)
_BIRTH_DATE = re.compile(r"[0-5](?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})", re.ASCII)
_POSITIONS = re.compile(r"[01]*", re.ASCII)


@dataclass(frozen=True)
class BasicFourItems:
    """The basic four items exactly as the signature certificate records them.

    ``name`` has a full-width space between family and given name; ``address`` starts
    with the prefecture and has no postal code. ``name_alt`` and ``address_alt`` are
    J-LIS's substitute-character positions: one ``"0"``/``"1"`` per character of
    ``name``/``address``, ``"1"`` where the card shows a substitute (代替文字) for a
    character it cannot encode. ``sex`` is ``None`` when the record says unknown (不明);
    JPKI has no code for ``"other"``, which exists for other identity sources.
    """

    name: str
    name_alt: str
    birth_date: date
    sex: Sex | None
    address: str
    address_alt: str

    @property
    def name_substituted_at(self) -> tuple[int, ...]:
        """Indexes into ``name`` of characters that stand in for one the card cannot hold."""
        return _flagged(self.name, self.name_alt)

    @property
    def address_substituted_at(self) -> tuple[int, ...]:
        """Indexes into ``address`` of substitute characters."""
        return _flagged(self.address, self.address_alt)

    @property
    def has_substitute_characters(self) -> bool:
        return bool(self.name_substituted_at or self.address_substituted_at)


def _flagged(text: str, positions: str) -> tuple[int, ...]:
    # Positions past the end of the text are ignored: public material does not say whether
    # J-LIS ever pads the position string, and a padded "0" means nothing anyway.
    return tuple(i for i, flag in enumerate(positions[: len(text)]) if flag == "1")


def _decode_utf8string(der: bytes) -> str:
    """Decode one DER UTF8String (tag 12), refusing any other type or trailing bytes."""
    if len(der) < 2 or der[0] != 0x0C:
        raise ValueError("not a UTF8String")
    length, offset = der[1], 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or len(der) < 2 + size or der[2] == 0:
            raise ValueError("bad DER length")
        length, offset = int.from_bytes(der[2 : 2 + size], "big"), 2 + size
        if length < 0x80:
            raise ValueError("non-minimal DER length")
    if len(der) != offset + length:
        raise ValueError("length does not match content")
    return der[offset:].decode("utf-8")


def parse_basic_four_items(cert: x509.Certificate) -> BasicFourItems:
    """Read 氏名, 生年月日, 性別 and 住所 from a signature certificate.

    This reads; it does not validate. Call :func:`validate_certificate` first, or the
    items are only as trustworthy as whoever made the certificate.
    """
    serial = serial_of(cert)
    values: dict[x509.ObjectIdentifier, str] = {}
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for other in san.get_values_for_type(x509.OtherName):
            if other.type_id in _PERSONAL_DATA_OIDS:
                if other.type_id in values:
                    raise ValueError(f"{other.type_id.dotted_string} appears twice")
                values[other.type_id] = _decode_utf8string(other.value)
    except x509.ExtensionNotFound:
        pass
    except ValueError as exc:  # also UnicodeDecodeError
        raise rejected("malformed", serial) from exc

    if not {OID_NAME, OID_BIRTH_DATE, OID_SEX, OID_ADDRESS} <= values.keys():
        if not values and certificate_kind(cert) == "authentication":
            raise rejected("wrong_kind", serial, wrong_kind_message("signing"))
        raise rejected("malformed", serial)

    birth = _BIRTH_DATE.fullmatch(values[OID_BIRTH_DATE])
    sex_code = values[OID_SEX]
    # A missing position string is read as "no substitutes": it can only add a warning.
    name_alt = values.get(OID_NAME_SUBSTITUTES, "")
    address_alt = values.get(OID_ADDRESS_SUBSTITUTES, "")
    if (
        birth is None
        or sex_code not in _SEX_CODES
        or not values[OID_NAME].strip()
        or not values[OID_ADDRESS].strip()
        or not _POSITIONS.fullmatch(name_alt)
        or not _POSITIONS.fullmatch(address_alt)
    ):
        raise rejected("malformed", serial)
    try:
        # The leading era digit (1 明治 … 5 令和, 0 unknown) repeats what the Gregorian date
        # says; it is not cross-checked, so a boundary quirk cannot lock a resident out.
        birth_date = date(int(birth["y"]), int(birth["m"]), int(birth["d"]))
    except ValueError as exc:  # e.g. a partly unknown date recorded as 00
        raise rejected("malformed", serial) from exc

    return BasicFourItems(
        name=values[OID_NAME],
        name_alt=name_alt,
        birth_date=birth_date,
        sex=_SEX_CODES[sex_code],
        address=values[OID_ADDRESS],
        address_alt=address_alt,
    )
