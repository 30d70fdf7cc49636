"""The ledger's signing key, its name and the checkpoints it signs.

The key is an Ed25519 private key in a PEM (PKCS#8) file, ``MADOGUCHI_LEDGER_KEY_FILE``.
Development and tests create it on first use (mode 0600); production
(``MADOGUCHI_LEDGER_GENERATE_KEY = False``) refuses to sign without it, because a key
that silently changes would make every earlier checkpoint unverifiable.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from madoguchi.ledger import notes


def origin() -> str:
    """The log's name in checkpoints: ``MADOGUCHI_LEDGER_ORIGIN`` or ``<site host>/ledger``."""
    configured = getattr(settings, "MADOGUCHI_LEDGER_ORIGIN", "")
    if configured:
        return str(configured)
    host = urlsplit(settings.MADOGUCHI_SITE_URL).netloc or "localhost"
    return f"{host}/ledger"


def key_name() -> str:
    # One key per log, named after it, as transparency logs conventionally do.
    return origin()


def key_file() -> Path:
    return Path(settings.MADOGUCHI_LEDGER_KEY_FILE)


def _generate(path: Path) -> None:
    """Write a new key so that concurrent first uses agree on one file (link is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, pem)
        os.close(descriptor)
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process won the race; use its key
    finally:
        os.unlink(temporary)


@cache
def _load(path: str) -> Ed25519PrivateKey:
    key = load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return key


def private_key() -> Ed25519PrivateKey:
    path = key_file()
    if not path.exists():
        if not getattr(settings, "MADOGUCHI_LEDGER_GENERATE_KEY", False):
            raise ImproperlyConfigured(
                f"The audit ledger's signing key {path} does not exist. Create it with "
                "`openssl genpkey -algorithm ed25519 -out <file>` (mode 0600), set "
                "MADOGUCHI_LEDGER_KEY_FILE to it, and publish `madoguchi ledger public-key`."
            )
        _generate(path)
    return _load(str(path))


def verifier_key() -> notes.VerifierKey:
    return notes.parse_verifier_key(public_key_text())


def public_key_text() -> str:
    """The verifier key to publish: ``<name>+<key id hex>+<base64(0x01 || public key)>``."""
    return notes.verifier_key_text(key_name(), private_key().public_key())


def sign(tree_size: int, root_hash: bytes) -> str:
    """A signed checkpoint note for the tree of ``tree_size`` leaves with this root."""
    body = notes.checkpoint_body(origin(), tree_size, root_hash)
    return notes.sign_note(body, key_name(), private_key())
