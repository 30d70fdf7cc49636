"""A card built from plain data (no database), and the pcscd fixtures for the pcsc tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from madoguchi.simulators.card.card import VirtualMyNumberCard
from madoguchi.simulators.card.testing import pcscd, virtual_reader  # noqa: F401
from madoguchi.simulators.idp import pki
from madoguchi.simulators.idp.residents import get_resident

NAME = "加賀\u3000太郎"
ADDRESS = "石川県加賀市大聖寺南町ニ４１"
MY_NUMBER = "123456789018"


@dataclass(frozen=True)
class Material:
    hierarchy: pki.TestPKI
    auth_certificate: bytes
    auth_key: rsa.RSAPrivateKey
    signing_certificate: bytes
    signing_key: rsa.RSAPrivateKey


@pytest.fixture(scope="session")
def material() -> Material:
    now = datetime.now(UTC)
    hierarchy = pki.cached_test_pki(now.date())
    resident = get_resident("kaga-taro")
    window = {"not_before": now - timedelta(days=1), "not_after": now + timedelta(days=365)}
    signing, signing_key = pki.issue_signing_certificate(hierarchy, resident, **window)
    auth, auth_key = pki.issue_auth_certificate(hierarchy, **window)
    return Material(hierarchy, pki.to_der(auth), auth_key, pki.to_der(signing), signing_key)


@pytest.fixture
def make_card(material: Material) -> Callable[[], VirtualMyNumberCard]:
    def make() -> VirtualMyNumberCard:
        card = VirtualMyNumberCard(
            name=NAME,
            address=ADDRESS,
            birth_date=date(1975, 4, 1),
            sex="1",
            my_number=MY_NUMBER,
            card_info_pin="1234",
            auth_pin="5678",
            signing_password="abc123",
            auth_key=material.auth_key,
            auth_certificate=material.auth_certificate,
            auth_ca_certificate=pki.to_der(material.hierarchy.auth.certificate),
            signing_key=material.signing_key,
            signing_certificate=material.signing_certificate,
            signing_ca_certificate=pki.to_der(material.hierarchy.sign.certificate),
        )
        card.power_up()
        return card

    return make


@pytest.fixture
def card(make_card: Callable[[], VirtualMyNumberCard]) -> VirtualMyNumberCard:
    return make_card()
