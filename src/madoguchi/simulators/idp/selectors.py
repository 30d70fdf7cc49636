"""Reads of the simulator: relying parties, tokens, and the demo cards' state."""

from __future__ import annotations

from dataclasses import dataclass

from .models import (
    AccessToken,
    AuthorizationCode,
    CardState,
    RelyingParty,
    SignTransaction,
    token_hash,
)
from .residents import RESIDENTS, DemoResident

__all__ = [
    "DemoCard",
    "access_token",
    "demo_cards",
    "nonce_used",
    "relying_party",
    "sign_transaction_digest",
]


def relying_party(client_id: str) -> RelyingParty | None:
    return RelyingParty.objects.filter(client_id=client_id).first()


def access_token(value: str) -> AccessToken | None:
    return AccessToken.objects.select_related("client").filter(token_hash=token_hash(value)).first()


def nonce_used(*, client_id: str, nonce: str) -> bool:
    """True if a code was already issued for this nonce: a replayed authorization request."""
    return AuthorizationCode.objects.filter(client__client_id=client_id, nonce=nonce).exists()


@dataclass(frozen=True)
class DemoCard:
    """A demo resident with their card's PIN counters, for the card page."""

    resident: DemoResident
    auth_pin_failures: int
    auth_locked: bool
    sign_pin_failures: int = 0
    sign_locked: bool = False

    @property
    def id(self) -> str:
        return self.resident.id


def demo_cards() -> list[DemoCard]:
    states = {state.resident_id: state for state in CardState.objects.all()}
    cards = []
    for resident in RESIDENTS:
        state = states.get(resident.id)
        cards.append(
            DemoCard(
                resident=resident,
                auth_pin_failures=state.auth_pin_failures if state else 0,
                auth_locked=state.auth_locked if state else False,
                sign_pin_failures=state.sign_pin_failures if state else 0,
                sign_locked=state.sign_locked if state else False,
            )
        )
    return cards


def sign_transaction_digest(*, client: RelyingParty, transaction_id: str) -> str:
    """The hex digest a transaction asks to sign (shown on the card page), or ""."""
    found = SignTransaction.objects.filter(client=client, transaction_id=transaction_id).first()
    return found.digest if found else ""
