"""Every write of the simulator: relying parties, demo cards, codes, tokens, assertions.

Nothing here logs a PIN, a name or an address; log lines carry client ids, resident
ids of fictional demo people and outcomes only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from madoguchi.identity.jpki import validate_certificate

from . import authorities, pki
from .models import (
    CLIENT_ID_PATTERN,
    AccessToken,
    AuthorizationCode,
    CardState,
    ClientAssertionUse,
    RelyingParty,
    SignTransaction,
    token_hash,
)
from .residents import DemoResident, get_resident

__all__ = [
    "AUTHORIZATION_CODE_LIFETIME",
    "PIN_ATTEMPTS",
    "InvalidRelyingParty",
    "PinKind",
    "PinResult",
    "check_authentication_certificate",
    "consume_authorization_code",
    "create_authorization_code",
    "record_access_token",
    "record_assertion_jti",
    "register_relying_party",
    "reset_cards",
    "sign_result",
    "sign_with_card",
    "start_sign_transaction",
    "verify_pin",
]

logger = logging.getLogger("madoguchi.simulators.idp")

AUTHORIZATION_CODE_LIFETIME = timedelta(seconds=60)
PinKind = Literal["authentication", "signing"]
# As on a real My Number Card: the user authentication PIN (4 digits) locks after 3
# wrong entries, the signing PIN (6-16 characters) after 5.
PIN_ATTEMPTS: dict[PinKind, int] = {"authentication": 3, "signing": 5}
_PIN_FORMAT: dict[PinKind, re.Pattern[str]] = {
    "authentication": re.compile(r"\A[0-9]{4}\Z"),
    "signing": re.compile(r"\A[0-9A-Z]{6,16}\Z"),
}


class InvalidRelyingParty(ValueError):
    """A registration the real service would not accept; the message says which part."""


def register_relying_party(
    *, client_id: str, name: str, redirect_uris: list[str], jwks: dict[str, Any]
) -> RelyingParty:
    """Register ``client_id`` (or replace its registration) with its public keys.

    ``jwks`` is a JWK Set of public keys only: the simulator verifies client
    assertions with it and must never hold a relying party's private key.
    """
    if not re.match(CLIENT_ID_PATTERN, client_id):
        raise InvalidRelyingParty("client_id must be 1 to 255 letters and digits")
    if not redirect_uris:
        raise InvalidRelyingParty("at least one redirect URI is required")
    for uri in redirect_uris:
        parts = urlsplit(uri)
        if not parts.scheme or not parts.netloc or parts.fragment or len(uri) > 255:
            raise InvalidRelyingParty(f"not an absolute URI of at most 255 characters: {uri}")
    try:
        key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, KeyError, TypeError, ValueError) as error:
        raise InvalidRelyingParty(f"jwks is not a usable JWK Set: {error}") from error
    if any(key.is_private for key in key_set):
        raise InvalidRelyingParty("jwks must hold public keys only")
    relying_party, _ = RelyingParty.objects.update_or_create(
        client_id=client_id,
        defaults={
            "name": name or client_id,
            "redirect_uris": list(redirect_uris),
            "jwks": key_set.as_dict(private=False),
        },
    )
    logger.info("devidp: registered relying party %s", client_id)
    return relying_party


# --- demo cards -------------------------------------------------------------------


@dataclass(frozen=True)
class PinResult:
    """The outcome of one PIN entry. ``remaining`` counts tries left before the lock."""

    ok: bool
    remaining: int
    locked: bool
    just_locked: bool = False


def verify_pin(*, resident: DemoResident, pin: str, kind: PinKind) -> PinResult:
    """Check a PIN as the card's chip does: count failures, lock at the limit.

    A locked PIN is refused without looking at the entry. A correct entry resets the
    counter. Callers check the format first; a malformed entry never reaches a card.
    """
    limit = PIN_ATTEMPTS[kind]
    failures_field, locked_field = (
        ("auth_pin_failures", "auth_locked")
        if kind == "authentication"
        else ("sign_pin_failures", "sign_locked")
    )
    expected = resident.auth_pin if kind == "authentication" else resident.sign_pin
    with transaction.atomic():
        card, _ = CardState.objects.select_for_update().get_or_create(resident_id=resident.id)
        if getattr(card, locked_field):
            return PinResult(ok=False, remaining=0, locked=True)
        if hmac.compare_digest(pin.encode(), expected.encode()):
            setattr(card, failures_field, 0)
            card.save(update_fields=[failures_field, "updated_at"])
            return PinResult(ok=True, remaining=limit, locked=False)
        failures = getattr(card, failures_field) + 1
        setattr(card, failures_field, failures)
        locked = failures >= limit
        setattr(card, locked_field, locked)
        card.save(update_fields=[failures_field, locked_field, "updated_at"])
    logger.info("devidp: wrong %s PIN for demo card %s (%d/%d)", kind, resident.id, failures, limit)
    return PinResult(
        ok=False, remaining=max(limit - failures, 0), locked=locked, just_locked=locked
    )


def normalise_pin(pin: str, *, kind: PinKind) -> str:
    """The signing password as the resident meant it: full-width characters as ASCII,
    spaces dropped, small letters as capitals (the card holds capitals only). The 4-digit
    PIN is taken as typed, as the card's keypad would."""
    if kind != "signing":
        return pin
    return "".join(unicodedata.normalize("NFKC", pin).split()).upper()


def pin_format_ok(pin: str, *, kind: PinKind) -> bool:
    return bool(_PIN_FORMAT[kind].match(pin))


def reset_cards(*, resident_id: str | None = None) -> int:
    """Unlock demo cards and clear their counters (what the city office does). Returns how many."""
    cards = CardState.objects.all()
    if resident_id is not None:
        cards = cards.filter(resident_id=resident_id)
    count, _ = cards.delete()
    return count


def check_authentication_certificate(resident: DemoResident, *, at: datetime | None = None) -> None:
    """Check the card's user authentication certificate as the service does with J-LIS.

    The chain must lead to the test root and the certificate must be in date and not
    on the CRL; a revoked or expired demo card fails here even with the right PIN.
    Raises :class:`madoguchi.identity.jpki.CertificateRejected`.
    """
    now = at or timezone.now()
    test_pki = authorities.test_pki()
    card = authorities.card(resident)
    validate_certificate(
        card.auth_certificate,
        kind="authentication",
        trust_roots=test_pki.trust_roots,
        intermediates=test_pki.intermediates,
        crls=authorities.current_crls(now=now),
        at=now,
    )


# --- codes, tokens, assertions -----------------------------------------------------


def create_authorization_code(
    *,
    code: str,
    client: RelyingParty,
    resident_id: str,
    redirect_uri: str,
    scope: str,
    nonce: str,
    acr: str,
    code_challenge: str,
    code_challenge_method: str,
    session_state: str | None = None,
) -> AuthorizationCode:
    """Store a freshly issued code (as a hash) for one exchange within 60 seconds."""
    now = timezone.now()
    # Codes are short-lived; keep the table small without a scheduled job.
    AuthorizationCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return AuthorizationCode.objects.create(
        code_hash=token_hash(code),
        client=client,
        resident_id=resident_id,
        redirect_uri=redirect_uri,
        scope=scope,
        nonce=nonce,
        acr=acr,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        session_state=session_state or str(uuid.uuid4()),
        auth_time=now,
        expires_at=now + AUTHORIZATION_CODE_LIFETIME,
    )


def consume_authorization_code(*, code: str, client: RelyingParty) -> AuthorizationCode | None:
    """Claim ``code`` for this one token request, or None if it cannot be used.

    The claim is a conditional UPDATE, so two concurrent requests cannot both win. A
    code presented a second time is refused and every token issued from it is revoked
    (RFC 6749 §4.1.2, §10.5): the second presenter may be an attacker who stole it.
    """
    now = timezone.now()
    codes = AuthorizationCode.objects.filter(code_hash=token_hash(code), client=client)
    claimed = codes.filter(used_at__isnull=True).update(used_at=now)
    authorization_code = codes.first()
    if authorization_code is None:
        return None
    if not claimed:
        revoked = AccessToken.objects.filter(
            authorization_code=authorization_code, revoked_at__isnull=True
        ).update(revoked_at=now)
        logger.warning(
            "devidp: authorization code replayed by %s; revoked %d token(s)",
            client.client_id,
            revoked,
        )
        return None
    if authorization_code.is_expired(now):
        return None
    return authorization_code


def record_access_token(
    *,
    access_token: str,
    client: RelyingParty,
    resident_id: str,
    scope: str,
    expires_in: int,
    authorization_code: AuthorizationCode | None,
) -> AccessToken:
    return AccessToken.objects.create(
        token_hash=token_hash(access_token),
        client=client,
        resident_id=resident_id,
        scope=scope,
        issued_at=timezone.now(),
        expires_in=expires_in,
        authorization_code=authorization_code,
    )


def record_assertion_jti(*, client_id: str, jti: str, expires_at: datetime) -> bool:
    """Remember a client assertion's ``jti``; False if it was used before."""
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        return False
    now = timezone.now()
    ClientAssertionUse.objects.filter(expires_at__lt=now - timedelta(minutes=5)).delete()
    try:
        with transaction.atomic():
            ClientAssertionUse.objects.create(client_id=client_id, jti=jti, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


# --- sign transactions ---------------------------------------------------------------

SIGN_TRANSACTION_LIFETIME = timedelta(minutes=10)
SIGN_SCOPE = "sign"


class SignRequestRefused(ValueError):
    """A sign transaction request or result request the service refuses.

    ``error`` is the OAuth-style code returned to the relying party; ``status`` the HTTP
    status.
    """

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def client_token_for_signing(token: AccessToken | None) -> RelyingParty:
    """The relying party behind a client-credentials token that may start transactions."""
    if token is None or token.is_expired() or token.is_revoked():
        raise SignRequestRefused("invalid_token", "The access token is not valid.", status=401)
    if token.resident_id or SIGN_SCOPE not in token.scope.split():
        raise SignRequestRefused(
            "insufficient_scope",
            "A client credentials token with scope 'sign' is needed.",
            status=403,
        )
    return token.client


def start_sign_transaction(
    *, client: RelyingParty, digest_b64: object, algorithm: object
) -> SignTransaction:
    """Open a transaction to sign one SHA-256 digest (32 bytes, base64), for 10 minutes."""
    if algorithm not in ("SHA-256", "SHA256", "sha256"):
        raise SignRequestRefused("invalid_request", "Only SHA-256 digests can be signed.")
    try:
        digest = base64.b64decode(str(digest_b64), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SignRequestRefused("invalid_request", "The digest is not base64.") from error
    if len(digest) != 32:
        raise SignRequestRefused("invalid_request", "The digest must be 32 bytes (SHA-256).")
    now = timezone.now()
    SignTransaction.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return SignTransaction.objects.create(
        transaction_id=str(uuid.uuid4()),
        client=client,
        digest=digest.hex(),
        created_at=now,
        expires_at=now + SIGN_TRANSACTION_LIFETIME,
    )


def open_sign_transaction(*, client: RelyingParty, transaction_id: str) -> SignTransaction | None:
    """The transaction an authorization request names, if this client may complete it now.

    It stays open from its start until an authorization code completes it (the card
    signs in between, and Authlib validates the request again when it issues the code).
    """
    found = SignTransaction.objects.filter(
        transaction_id=transaction_id, client=client, authorization_code__isnull=True
    ).first()
    if found is None or found.is_expired():
        return None
    return found


def sign_with_card(*, transaction_id: str, client: RelyingParty, resident: DemoResident) -> None:
    """The card signs the transaction's digest with the signing key: PKCS#1 v1.5 over
    DigestInfo(SHA-256, digest), exactly what ``Prehashed(SHA256)`` produces.

    A revoked or expired certificate does not stop a card from signing; the relying party
    must refuse such a signature (CRL), as with a physical card.
    """
    card = authorities.card(resident)
    with transaction.atomic():
        found = (
            SignTransaction.objects.select_for_update()
            .filter(transaction_id=transaction_id, client=client, signed_at__isnull=True)
            .first()
        )
        if found is None or found.is_expired():
            raise SignRequestRefused("invalid_request", "The sign transaction has expired.")
        found.signature = card.signing_key.sign(
            bytes.fromhex(found.digest), padding.PKCS1v15(), Prehashed(hashes.SHA256())
        )
        found.resident_id = resident.id
        found.signed_at = timezone.now()
        found.save(update_fields=["signature", "resident_id", "signed_at"])
    logger.info("devidp: demo card %s signed a transaction for %s", resident.id, client.client_id)


def link_sign_transaction(*, transaction_id: str, code: AuthorizationCode) -> None:
    """Remember which authorization code completed the transaction (its token reads it)."""
    SignTransaction.objects.filter(
        transaction_id=transaction_id, client=code.client, signed_at__isnull=False
    ).update(authorization_code=code)


def sign_result(*, transaction_id: str, token: AccessToken | None) -> dict[str, str]:
    """The signature and the signing certificate, for the token of the signing login only."""
    if token is None or token.is_expired() or token.is_revoked():
        raise SignRequestRefused("invalid_token", "The access token is not valid.", status=401)
    found = SignTransaction.objects.filter(
        transaction_id=transaction_id, client=token.client
    ).first()
    if found is None:
        raise SignRequestRefused("not_found", "No such sign transaction.", status=404)
    if (
        found.signed_at is None
        or found.authorization_code_id is None
        or token.authorization_code_id != found.authorization_code_id
    ):
        raise SignRequestRefused(
            "insufficient_scope", "This token did not complete this transaction.", status=403
        )
    card = authorities.card(get_resident(found.resident_id))
    return {
        "signature": base64.b64encode(bytes(found.signature or b"")).decode("ascii"),
        "certificate": base64.b64encode(pki.to_der(card.signing_certificate)).decode("ascii"),
    }
