"""End-to-end encryption of an application to its department's key (issue 20, item 3).

The scheme (``SUITE``, versioned so a later scheme can sit beside it):

- a random 32-byte content key per application;
- every part (the sealed JSON content, each attached file) encrypted with AES-256-GCM under
  that key, with a random 96-bit nonce stored in front of the ciphertext, and the part's
  additional authenticated data (AAD) naming the submission's public id and the part, so a
  ciphertext moved to another application or part fails to open;
- the content key wrapped for each recipient (the department's current key(s) and the city's
  escrow key) with HPKE, RFC 9180, base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
  AES-256-GCM, from ``cryptography.hazmat.primitives.hpke``. HPKE's ``info`` binds the wrap
  to the suite and the content's AAD.

A recipient is named by its fingerprint: SHA-256 of the raw 32-byte X25519 public key, hex.
Only public keys ever reach the internet node; private keys stay in the LGWAN node's keyring
(:mod:`.keyring`) or offline (the escrow key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SUITE = "madoguchi-e2e/v1 HPKE(X25519,HKDF-SHA256,AES-256-GCM)+AES-256-GCM"
KEY_SIZE = 32
NONCE_SIZE = 12
PUBLIC_PREFIX = "x25519:"
_HPKE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class SealError(Exception):
    """A sealed payload cannot be opened (the message says why, with no content)."""


class UnsupportedSuite(SealError):
    pass


class WrongKey(SealError):
    """None of the private keys given is a recipient of the payload."""

    def __init__(self, tried: Iterable[str], recipients: Iterable[str]) -> None:
        self.tried = sorted(tried)
        self.recipients = sorted(recipients)
        super().__init__(
            "none of the private keys opens this payload: tried "
            + (", ".join(self.tried) or "no key")
            + "; it is encrypted to "
            + (", ".join(self.recipients) or "nobody")
        )


class Tampered(SealError):
    """The ciphertext, a wrapped key or the AAD was changed (authentication failed)."""


class Recipient(Protocol):
    """What sealing needs of a key (an ``EncryptionKey`` row fits)."""

    @property
    def fingerprint(self) -> str: ...

    @property
    def public_key(self) -> str: ...

    @property
    def purpose(self) -> str: ...


@dataclass(frozen=True)
class PublicKey:
    """A recipient given by hand (tests, the command line)."""

    public_key: str
    purpose: str = "department"
    fingerprint: str = field(default="")

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", fingerprint(b64decode(self.public_key)))


@dataclass(frozen=True)
class WrappedKey:
    fingerprint: str
    purpose: str
    enc: bytes

    def as_dict(self) -> dict[str, str]:
        return {
            "fingerprint": self.fingerprint,
            "purpose": self.purpose,
            "enc": b64encode(self.enc),
        }


@dataclass(frozen=True)
class Sealed:
    recipients: list[WrappedKey]
    ciphertext: bytes
    suite: str = SUITE

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the system API's ``sealed`` (without ``plaintext_sha256``)."""
        return {
            "suite": self.suite,
            "recipients": [r.as_dict() for r in self.recipients],
            "ciphertext": b64encode(self.ciphertext),
        }


def b64encode(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise SealError("not base64url") from error


def fingerprint(public_raw: bytes) -> str:
    """How a recipient entry names its key: SHA-256 of the raw public key, hex."""
    return hashlib.sha256(public_raw).hexdigest()


def generate_keypair() -> tuple[bytes, bytes]:
    """A new X25519 key pair as raw 32-byte (private, public)."""
    private = X25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def public_from_private(private_raw: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes_raw()


def parse_public_key(text: str) -> bytes:
    """A public key as an admin pastes it: base64url (raw 32 bytes, optionally after
    ``x25519:``) or a PEM block.

    Raises ``ValueError`` with what is wrong.
    """
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    text = text.strip()
    # What ``madoguchi keys generate`` prints: the prefix keeps a key that starts with "-"
    # from being read as an option on a command line.
    text = text.removeprefix(PUBLIC_PREFIX)
    if text.startswith("-----BEGIN"):
        try:
            loaded = load_pem_public_key(text.encode("ascii"))
        except ValueError as error:
            raise ValueError("not a PEM public key") from error
        if not isinstance(loaded, X25519PublicKey):
            raise ValueError("not an X25519 public key")
        return loaded.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        raw = b64decode(text)
    except SealError as error:
        raise ValueError("not base64url") from error
    if len(raw) != KEY_SIZE:
        raise ValueError("an X25519 public key is 32 bytes")
    return raw


def new_content_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _wrap_info(aad: bytes) -> bytes:
    return SUITE.encode("ascii") + b"\x00key\x00" + aad


def wrap_key(content_key: bytes, recipients: Iterable[Recipient], aad: bytes) -> list[WrappedKey]:
    """The content key sealed (HPKE) to each recipient, bound to ``aad``."""
    wrapped = []
    for recipient in recipients:
        public = X25519PublicKey.from_public_bytes(b64decode(recipient.public_key))
        enc = _HPKE.encrypt(content_key, public, info=_wrap_info(aad))
        wrapped.append(
            WrappedKey(fingerprint=recipient.fingerprint, purpose=recipient.purpose, enc=enc)
        )
    return wrapped


def encrypt_part(content_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce (12 bytes) || AES-256-GCM(ciphertext || tag)."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce + AESGCM(content_key).encrypt(nonce, plaintext, aad)


def decrypt_part(content_key: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    if len(ciphertext) < NONCE_SIZE + 16:
        raise Tampered("the ciphertext is too short")
    try:
        return AESGCM(content_key).decrypt(ciphertext[:NONCE_SIZE], ciphertext[NONCE_SIZE:], aad)
    except InvalidTag as error:
        raise Tampered("the ciphertext or its associated data was changed") from error


def seal(
    plaintext: bytes,
    recipients: Iterable[Recipient],
    aad: bytes,
    *,
    content_key: bytes | None = None,
) -> Sealed:
    """Encrypt ``plaintext`` to every recipient. Pass ``content_key`` to encrypt further parts
    (files) of the same application with :func:`encrypt_part` under the same key."""
    recipients = list(recipients)
    if not recipients:
        raise SealError("no recipient to seal to")
    key = content_key if content_key is not None else new_content_key()
    return Sealed(
        recipients=wrap_key(key, recipients, aad), ciphertext=encrypt_part(key, plaintext, aad)
    )


def open_content_key(
    sealed: Mapping[str, Any], private_keys: Mapping[str, bytes], aad: bytes
) -> bytes:
    """The content key, unwrapped with the first private key that is a recipient.

    Raises :class:`WrongKey` naming the fingerprints tried and the recipients, or
    :class:`Tampered` when the wrapped key does not authenticate.
    """
    if sealed.get("suite") != SUITE:
        raise UnsupportedSuite(f"unknown suite {sealed.get('suite')!r}; this is {SUITE}")
    entries = list(sealed.get("recipients") or [])
    listed = [str(entry.get("fingerprint", "")) for entry in entries]
    for entry in entries:
        private_raw = private_keys.get(str(entry.get("fingerprint", "")))
        if private_raw is None:
            continue
        private = X25519PrivateKey.from_private_bytes(private_raw)
        try:
            key = _HPKE.decrypt(b64decode(str(entry["enc"])), private, info=_wrap_info(aad))
        except (InvalidTag, ValueError) as error:
            raise Tampered(
                f"the content key wrapped for {entry['fingerprint']} does not open"
            ) from error
        if len(key) != KEY_SIZE:
            raise Tampered("the content key has the wrong size")
        return key
    raise WrongKey(private_keys.keys(), listed)


def open_sealed(sealed: Mapping[str, Any], private_keys: Mapping[str, bytes], aad: bytes) -> bytes:
    """The plaintext of a payload in the shape of :meth:`Sealed.as_dict`."""
    key = open_content_key(sealed, private_keys, aad)
    ciphertext = sealed["ciphertext"]
    raw = ciphertext if isinstance(ciphertext, bytes) else b64decode(str(ciphertext))
    return decrypt_part(key, raw, aad)
