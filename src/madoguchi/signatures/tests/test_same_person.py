"""The signing certificate must name the person who logged in (name and birth date)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from madoguchi.identity.models import VerifiedIdentity
from madoguchi.signatures.services import same_person
from madoguchi.simulators.idp import authorities
from madoguchi.simulators.idp.residents import get_resident

pytestmark = pytest.mark.django_db


def verified(name: str, birth_date: str) -> VerifiedIdentity:
    now = timezone.now()
    return VerifiedIdentity(
        basic_four={"name": name, "birth_date": birth_date},
        authenticated_at=now,
        verified_at=now,
    )


def certificate(resident_id: str) -> object:
    return authorities.card(get_resident(resident_id)).signing_certificate


def test_a_name_the_card_records_with_a_substitute_character_still_matches() -> None:
    # The card holds 吉田　花子 with the first character flagged as a stand-in for 𠮷.
    assert same_person(certificate("kaga-yoshida"), verified("𠮷田 花子", "1988-11-23"))  # type: ignore[arg-type]


def test_full_and_half_width_spaces_are_the_same() -> None:
    assert same_person(certificate("kaga-taro"), verified("加賀　太郎", "1975-04-01"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "born"),
    [
        ("加賀 花子", "1975-04-01"),
        ("加賀 太郎", "1975-04-02"),
        ("𠮷田 花子", "1975-04-01"),
        ("", ""),
    ],
)
def test_another_name_or_birth_date_is_another_person(name: str, born: str) -> None:
    assert not same_person(certificate("kaga-taro"), verified(name, born))  # type: ignore[arg-type]
