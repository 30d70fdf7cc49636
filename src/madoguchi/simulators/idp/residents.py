"""Demo My Number Card holders for devidp: fictional people in Kaga and Kobe.

The people are invented; the addresses are public buildings (city and ward offices)
or plausible street numbers, so no demo ever points at someone's home. Between them
they cover what a real deployment meets: names with characters a card cannot hold
(𠮷, 髙, 﨑 are recorded as substitutes; 邊 is in JIS X 0208 and is not), a birth
date in each of 大正, 昭和 and 平成, and a card that is revoked or expired.

Names and addresses are written the way a resident types them (ASCII space and
digits); :func:`card_items` turns them into what the card records: full width, with
substitutes (代替文字) for what JIS X 0208/0212 cannot hold and their positions.
PINs follow the card's rules: 4 digits for user authentication, 6 to 16 upper-case
letters and digits for the signature certificate. They are demo data, printed in the
docs on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from madoguchi.identity.jpki import BasicFourItems

__all__ = [
    "RESIDENTS",
    "SUBSTITUTES",
    "CardState",
    "DemoResident",
    "card_items",
    "card_text",
    "get_resident",
]

CardState = Literal["valid", "revoked", "expired"]


@dataclass(frozen=True)
class DemoResident:
    """One demo card holder.

    ``locality`` is the (prefecture, city) pair in the romanised form JPKI writes into
    the signature certificate's subject as two L attributes, e.g. ("Ishikawa-ken",
    "Kaga-shi"). ``card_state`` says what devidp does with the card: issue valid
    certificates, list them on the CRL, or issue certificates that have run out.
    """

    id: str
    name: str
    name_kana: str
    birth_date: date
    sex: Literal["male", "female"]
    address: str
    postal_code: str
    locality: tuple[str, str]
    auth_pin: str
    sign_pin: str
    card_state: CardState


_KAGA = ("Ishikawa-ken", "Kaga-shi")
_KOBE = ("Hyogo-ken", "Kobe-shi")

RESIDENTS: tuple[DemoResident, ...] = (
    DemoResident(
        id="kaga-taro",
        name="加賀 太郎",
        name_kana="カガ タロウ",
        birth_date=date(1975, 4, 1),
        sex="male",
        address="石川県加賀市大聖寺南町ニ41",
        postal_code="922-0811",
        locality=_KAGA,
        auth_pin="1234",
        sign_pin="KAGA1975",
        card_state="valid",
    ),
    DemoResident(
        id="kaga-yoshida",
        name="𠮷田 花子",
        name_kana="ヨシダ ハナコ",
        birth_date=date(1988, 11, 23),
        sex="female",
        address="石川県加賀市山代温泉19-1",
        postal_code="922-0257",
        locality=_KAGA,
        auth_pin="2580",
        sign_pin="HANAKO1988",
        card_state="valid",
    ),
    DemoResident(
        id="kaga-takahashi",
        name="髙橋 誠一",
        name_kana="タカハシ セイイチ",
        birth_date=date(1952, 7, 15),
        sex="male",
        address="石川県加賀市片山津温泉乙65-2",
        postal_code="922-0412",
        locality=_KAGA,
        auth_pin="7391",
        sign_pin="SEIICHI52",
        card_state="revoked",
    ),
    DemoResident(
        id="kobe-watanabe",
        name="渡邊 美咲",
        name_kana="ワタナベ ミサキ",
        birth_date=date(1995, 2, 28),
        sex="female",
        address="兵庫県神戸市中央区加納町6丁目5番1号",
        postal_code="650-0001",
        locality=_KOBE,
        auth_pin="4321",
        sign_pin="KOBE1995",
        card_state="valid",
    ),
    DemoResident(
        id="kobe-yamazaki",
        name="山﨑 健",
        name_kana="ヤマザキ ケン",
        birth_date=date(2001, 9, 9),
        sex="male",
        address="兵庫県神戸市中央区東川崎町1丁目1番3号",
        postal_code="650-0044",
        locality=_KOBE,
        auth_pin="9090",
        sign_pin="KEN2001",
        card_state="expired",
    ),
    DemoResident(
        id="kobe-kitano",
        name="北野 ハル",
        name_kana="キタノ ハル",
        birth_date=date(1926, 12, 24),  # the last day of 大正
        sex="female",
        address="兵庫県神戸市東灘区住吉東町5丁目2番1号",
        postal_code="658-0052",
        locality=_KOBE,
        auth_pin="1926",
        sign_pin="HARU1926",
        card_state="valid",
    ),
)


def get_resident(resident_id: str) -> DemoResident:
    """The demo resident with this id; :class:`LookupError` if there is none."""
    for resident in RESIDENTS:
        if resident.id == resident_id:
            return resident
    raise LookupError(resident_id)


# --- what the card records --------------------------------------------------------------

# Substitutes (代替文字) for characters outside JIS X 0208/0212. Municipalities choose
# them case by case; these are the usual choices. Anything else becomes 〓 (ゲタ).
SUBSTITUTES: dict[str, str] = {
    "𠮷": "吉",
    "髙": "高",
    "﨑": "崎",
    "德": "徳",
    "𣘺": "橋",
    "琇": "秀",
}
_UNREPRESENTABLE = "〓"
_ALSO_ON_CARD = frozenset("－")  # the full-width hyphen J-LIS allows in addresses
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))


def _on_card(char: str) -> bool:
    if char in _ALSO_ON_CARD:
        return True
    try:
        encoded = char.encode("euc_jp")  # JIS X 0201, 0208 and 0212
    except UnicodeEncodeError:
        return False
    return len(encoded) >= 2 and encoded[0] != 0x8E  # not ASCII, not half-width kana


def _full_width(char: str) -> str:
    if char == " ":
        return "\u3000"
    if char == "-":
        return "－"
    if "!" <= char <= "~":
        return chr(ord(char) + 0xFEE0)
    return char


def card_text(text: str) -> tuple[str, str]:
    """Text as a card records it, and its substitute-character positions.

    ASCII becomes full width (住民基本台帳 text is full width); a character outside the
    card's repertoire is replaced by its substitute and flagged ``"1"``; an ideographic
    variation selector is dropped and flags the character it modified.
    """
    chars: list[str] = []
    flags: list[str] = []
    for char in text:
        if any(ord(char) in block for block in _VARIATION_SELECTORS):
            if flags:
                flags[-1] = "1"
            continue
        char = _full_width(char)
        if _on_card(char):
            chars.append(char)
            flags.append("0")
        else:
            chars.append(SUBSTITUTES.get(char, _UNREPRESENTABLE))
            flags.append("1")
    return "".join(chars), "".join(flags)


def card_items(resident: DemoResident) -> BasicFourItems:
    """The basic four items a signature certificate for ``resident`` carries."""
    name, name_alt = card_text(resident.name)
    address, address_alt = card_text(resident.address)
    return BasicFourItems(
        name=name,
        name_alt=name_alt,
        birth_date=resident.birth_date,
        sex=resident.sex,
        address=address,
        address_alt=address_alt,
    )
