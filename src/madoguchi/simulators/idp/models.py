"""Tables of the simulated Digital Authentication App service.

Authorization codes and access tokens are stored as SHA-256 hashes: the database
alone is not enough to use one. Authlib reads these models through its mixins
(``ClientMixin``, ``AuthorizationCodeMixin``, ``TokenMixin``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from .claims import AuthenticatedResident
from .residents import get_resident

CLIENT_ID_PATTERN = r"\A[0-9A-Za-z]{1,255}\Z"


def token_hash(value: str) -> str:
    """How codes and access tokens are looked up: never by their clear value."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class RelyingParty(ClientMixin, models.Model):
    """A service registered with the simulator, as with the 設定書 of the real service.

    ``redirect_uris`` are matched exactly. ``jwks`` holds the relying party's public
    keys (a JWK Set), which verify its ``private_key_jwt`` client assertions.
    """

    client_id = models.CharField(
        max_length=255, unique=True, validators=[RegexValidator(CLIENT_ID_PATTERN)]
    )
    name = models.CharField(max_length=200)
    redirect_uris = models.JSONField(default=list)
    jwks = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_id"]

    def __str__(self) -> str:
        return self.client_id

    # --- authlib ClientMixin ---------------------------------------------------
    client_metadata: dict[str, Any] = {}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # the service requires redirect_uri on every request

    def get_allowed_scope(self, scope: str) -> str:
        return scope  # the server has already refused scopes it does not know

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False  # private_key_jwt only

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "private_key_jwt" and endpoint == "token"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        # client_credentials: only for the sign API (the grant allows scope "sign" only).
        return grant_type in ("authorization_code", "client_credentials")


class AuthorizationCode(AuthorizationCodeMixin, models.Model):
    """A code handed to the relying party's redirect URI; one exchange, within 60 s."""

    code_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(
        RelyingParty, on_delete=models.CASCADE, related_name="authorization_codes"
    )
    resident_id = models.CharField(max_length=64)
    redirect_uri = models.TextField()
    scope = models.TextField()
    nonce = models.CharField(max_length=255)
    acr = models.CharField(max_length=32, blank=True)
    code_challenge = models.CharField(max_length=128)
    code_challenge_method = models.CharField(max_length=8)
    session_state = models.CharField(max_length=36)
    auth_time = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "nonce"], name="devidp_code_client_nonce")]

    def __str__(self) -> str:
        return f"code {self.pk} for {self.client_id}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    # --- authlib AuthorizationCodeMixin -----------------------------------------
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return self.acr or None


class AccessToken(TokenMixin, models.Model):
    """A bearer token for the UserInfo endpoint. Revoked when its code is replayed."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(RelyingParty, on_delete=models.CASCADE, related_name="tokens")
    authorization_code = models.ForeignKey(
        AuthorizationCode, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens"
    )
    resident_id = models.CharField(max_length=64)
    scope = models.TextField()
    issued_at = models.DateTimeField()
    expires_in = models.PositiveIntegerField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} for {self.client_id}"

    # --- authlib TokenMixin ------------------------------------------------------
    def check_client(self, client: RelyingParty) -> bool:
        return bool(self.client_id == client.pk)

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return (timezone.now() - self.issued_at).total_seconds() >= self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_user(self) -> AuthenticatedResident:
        return AuthenticatedResident(get_resident(self.resident_id), self.client.client_id)

    def get_client(self) -> RelyingParty:
        return self.client


class CardState(models.Model):
    """PIN retry counters of one demo My Number Card, as the card's chip keeps them.

    The user authentication PIN locks after 3 wrong entries and the signing PIN after
    5; a real card is then unlocked only at the city office (here: ``reset-cards``).
    """

    resident_id = models.CharField(max_length=64, unique=True)
    auth_pin_failures = models.PositiveSmallIntegerField(default=0)
    sign_pin_failures = models.PositiveSmallIntegerField(default=0)
    auth_locked = models.BooleanField(default=False)
    sign_locked = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"card of {self.resident_id}"


class OPKey(models.Model):
    """An ES256 key that signs id_tokens. The newest active key signs; the previous one
    stays published in the JWKS so tokens signed just before a rotation still verify.
    """

    kid = models.CharField(max_length=64, unique=True)
    private_jwk = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "OP signing key"

    def __str__(self) -> str:
        return self.kid


class ClientAssertionUse(models.Model):
    """A ``jti`` seen in a client assertion; a second use of it is refused."""

    client_id = models.CharField(max_length=255)
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_id", "jti"], name="devidp_assertion_jti_once")
        ]

    def __str__(self) -> str:
        return f"{self.client_id}/{self.jti}"


class TestAuthority(models.Model):
    """One certificate authority of the test JPKI hierarchy, kept so it outlives the process.

    Signature evidence names the root that was trusted when it was made; a hierarchy
    regenerated at every restart would leave yesterday's evidence unverifiable. The keys
    are test keys of a simulator (never enabled in production) and are stored in clear.
    """

    __test__ = False  # not a pytest test class, despite the name

    name = models.CharField(max_length=8, unique=True)  # root, sign, auth
    certificate_pem = models.TextField()
    private_key_pem = models.TextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"test CA {self.name}"


class DemoCardRecord(models.Model):
    """The certificates (and chip keys) of one demo resident's card, issued once."""

    resident_id = models.CharField(max_length=64, unique=True)
    signing_certificate_pem = models.TextField()
    signing_key_pem = models.TextField()
    auth_certificate_pem = models.TextField()
    auth_key_pem = models.TextField()
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"card of {self.resident_id}"


class SignTransaction(models.Model):
    """A request to sign one SHA-256 digest, started by a relying party (client credentials).

    The resident signs it on the card page (signing PIN); the signature and the signing
    certificate are then handed only to the same relying party, with the access token of
    the authorization code that completed this transaction.
    """

    transaction_id = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(
        RelyingParty, on_delete=models.CASCADE, related_name="sign_transactions"
    )
    digest = models.CharField(max_length=64)  # hex SHA-256 of the data to sign
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    resident_id = models.CharField(max_length=64, blank=True)
    signature = models.BinaryField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    authorization_code = models.ForeignKey(
        AuthorizationCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"sign transaction {self.transaction_id[:8]} for {self.client_id}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at
