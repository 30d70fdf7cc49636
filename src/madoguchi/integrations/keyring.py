"""Private keys on the LGWAN node: one passphrase-protected PEM file per key.

``MADOGUCHI_KEYRING_DIR`` holds ``<fingerprint>.pem`` files (PKCS#8, encrypted with the
passphrase by cryptography's ``BestAvailableEncryption``, mode 0600). The passphrase comes
from ``MADOGUCHI_KEYRING_PASSPHRASE`` (the environment, or a secrets manager writing it there)
and is never stored beside the keys. A retired key stays in the keyring: old applications
are still sealed to it until ``madoguchi keys rewrap`` moves them to the new key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import crypto


class KeyringError(Exception):
    pass


def private_pem(private_raw: bytes, passphrase: bytes) -> bytes:
    """The private key as an encrypted PKCS#8 PEM (what the keyring and the escrow sheet hold)."""
    if not passphrase:
        raise KeyringError("a passphrase is required to protect a private key")
    private = X25519PrivateKey.from_private_bytes(private_raw)
    return private.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(passphrase)
    )


def load_private_pem(pem: bytes, passphrase: bytes) -> bytes:
    """The raw private key of an encrypted PEM; ``KeyringError`` on a wrong passphrase."""
    try:
        loaded = load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as error:
        raise KeyringError("the passphrase does not open this key (or it is not a key)") from error
    if not isinstance(loaded, X25519PrivateKey):
        raise KeyringError("not an X25519 private key")
    return loaded.private_bytes_raw()


class Keyring:
    """The private keys this node holds, by fingerprint."""

    def __init__(self, directory: Path, passphrase: bytes) -> None:
        self.directory = directory
        self._passphrase = passphrase
        self._keys: dict[str, bytes] = {}
        if directory.is_dir():
            for path in sorted(directory.glob("*.pem")):
                raw = load_private_pem(path.read_bytes(), passphrase)
                self._keys[crypto.fingerprint(crypto.public_from_private(raw))] = raw

    @classmethod
    def from_settings(cls) -> Keyring:
        directory = settings.MADOGUCHI_KEYRING_DIR
        passphrase = os.environ.get("MADOGUCHI_KEYRING_PASSPHRASE", "") or getattr(
            settings, "MADOGUCHI_KEYRING_PASSPHRASE", ""
        )
        if not directory:
            raise ImproperlyConfigured("MADOGUCHI_KEYRING_DIR is not set (the LGWAN node's keys)")
        if not passphrase:
            raise ImproperlyConfigured("MADOGUCHI_KEYRING_PASSPHRASE is not set")
        return cls(Path(directory), passphrase.encode("utf-8"))

    @property
    def private_keys(self) -> Mapping[str, bytes]:
        return dict(self._keys)

    def fingerprints(self) -> list[str]:
        return sorted(self._keys)

    def add(self, private_raw: bytes) -> str:
        """Write a private key into the keyring (0600); its fingerprint."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        found = crypto.fingerprint(crypto.public_from_private(private_raw))
        path = self.directory / f"{found}.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(private_pem(private_raw, self._passphrase))
        self._keys[found] = private_raw
        return found
