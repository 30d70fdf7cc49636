"""A private key a staff member keeps on their own device, to open sealed applications in the
browser (``madoguchi keys export``; the back office's 「この端末の鍵で開く」).

A JSON file that WebCrypto alone can open, so the browser needs no other code for it:

- PBKDF2-HMAC-SHA256 over the passphrase (UTF-8, NFC), a random 16-byte salt and
  :data:`ITERATIONS` (OWASP's figure for PBKDF2-SHA256) gives a 256-bit key;
- AES-256-GCM under that key, with a random 96-bit nonce and the AAD
  ``madoguchi-key/v1:<fingerprint>``, encrypts the raw 32-byte X25519 private key;
- the fingerprint and the public key stay in clear, so the page can say which key a file holds
  before asking for its passphrase, and check the key it opened is that one.

Binary values are base64url without padding, as everywhere in :mod:`.crypto`.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from . import crypto

FORMAT = "madoguchi-key/v1"
ITERATIONS = 600_000
SALT_SIZE = 16
MIN_PASSPHRASE = 12


class KeyFileError(Exception):
    """The file is not a key file, or the passphrase does not open it."""


@dataclass(frozen=True)
class KeyFile:
    fingerprint: str
    public_key: bytes
    private_key: bytes


def _aad(fingerprint: str) -> bytes:
    return f"{FORMAT}:{fingerprint}".encode("ascii")


def _wrapping_key(passphrase: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(unicodedata.normalize("NFC", passphrase).encode("utf-8"))


def dump(
    private_raw: bytes, passphrase: str, *, purpose: str = "", iterations: int = ITERATIONS
) -> dict[str, Any]:
    """The key file's JSON for ``private_raw``, protected by ``passphrase``."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyFileError(f"use a passphrase of at least {MIN_PASSPHRASE} characters")
    if iterations < ITERATIONS:
        raise KeyFileError(f"PBKDF2 needs at least {ITERATIONS} iterations")
    public = crypto.public_from_private(private_raw)
    fingerprint = crypto.fingerprint(public)
    salt = os.urandom(SALT_SIZE)
    nonce = os.urandom(crypto.NONCE_SIZE)
    sealed = AESGCM(_wrapping_key(passphrase, salt, iterations)).encrypt(
        nonce, private_raw, _aad(fingerprint)
    )
    return {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "public_key": crypto.PUBLIC_PREFIX + crypto.b64encode(public),
        "purpose": purpose,
        "kdf": {
            "name": "PBKDF2",
            "hash": "SHA-256",
            "iterations": iterations,
            "salt": crypto.b64encode(salt),
        },
        "cipher": {"name": "AES-GCM", "length": 256, "nonce": crypto.b64encode(nonce)},
        "aad": _aad(fingerprint).decode("ascii"),
        "private_key": crypto.b64encode(sealed),
    }


def dumps(private_raw: bytes, passphrase: str, *, purpose: str = "") -> str:
    return json.dumps(dump(private_raw, passphrase, purpose=purpose), indent=2) + "\n"


def load(data: str | bytes | dict[str, Any], passphrase: str) -> KeyFile:
    """The key in a key file; :class:`KeyFileError` says what is wrong."""
    try:
        document = json.loads(data) if isinstance(data, str | bytes) else data
        if document.get("format") != FORMAT:
            raise KeyFileError(f"not a {FORMAT} key file")
        fingerprint = str(document["fingerprint"])
        public = crypto.parse_public_key(str(document["public_key"]))
        kdf = document["kdf"]
        salt = crypto.b64decode(str(kdf["salt"]))
        iterations = int(kdf["iterations"])
        nonce = crypto.b64decode(str(document["cipher"]["nonce"]))
        sealed = crypto.b64decode(str(document["private_key"]))
    except (ValueError, KeyError, TypeError, AttributeError, crypto.SealError) as error:
        raise KeyFileError("not a key file of Madoguchi (or it was damaged)") from error
    if crypto.fingerprint(public) != fingerprint:
        raise KeyFileError("the file's fingerprint does not name its public key")
    try:
        private = AESGCM(_wrapping_key(passphrase, salt, iterations)).decrypt(
            nonce, sealed, _aad(fingerprint)
        )
    except InvalidTag as error:
        raise KeyFileError("the passphrase does not open this key file") from error
    if crypto.public_from_private(private) != public:
        raise KeyFileError("the private key in the file does not match its public key")
    return KeyFile(fingerprint=fingerprint, public_key=public, private_key=private)
