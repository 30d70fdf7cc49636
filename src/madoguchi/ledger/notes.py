"""Signed notes and tree-head checkpoints (C2SP signed-note and tlog-checkpoint), pure.

A checkpoint is the text ``<origin>\\n<tree size>\\n<base64 root>\\n``, followed by a
blank line and signature lines ``— <key name> <base64(key id || Ed25519 signature)>``.
The key id is the first four bytes of SHA-256(name || "\\n" || 0x01 || public key), and
verifiers hold the key as ``<name>+<key id hex>+<base64(0x01 || public key)>``. The format
is the one transparency logs (Go's sumdb, Sigstore, Trillian tessera) share, so their
tools can read our checkpoints too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_TYPE = b"\x01"
SIGNATURE_PREFIX = "— "  # an em dash (U+2014) and a space


class NoteError(ValueError):
    """The text is not a well-formed note, checkpoint or verifier key."""


class SignatureMismatch(ValueError):
    """The note is well formed but not validly signed by the expected key."""


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    def text(self) -> str:
        return verifier_key_text(self.name, self.public_key)


@dataclass(frozen=True)
class CheckpointBody:
    origin: str
    tree_size: int
    root_hash: bytes


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"key name {name!r} is empty or has spaces or '+'")


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_TYPE + _raw(public_key)).digest()[:4]


def verifier_key_text(name: str, public_key: Ed25519PublicKey) -> str:
    _check_name(name)
    encoded = base64.b64encode(ED25519_TYPE + _raw(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    parts = text.strip().split("+", 2)  # the base64 key may contain "+"
    if len(parts) != 3:
        raise NoteError("a verifier key reads <name>+<key id hex>+<base64 key>")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
        expected_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as error:
        raise NoteError("the verifier key is not valid hex/base64") from error
    if len(raw) != 33 or raw[:1] != ED25519_TYPE:
        raise NoteError("the verifier key is not an Ed25519 key")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public_key) != expected_id:
        raise NoteError("the verifier key's id does not match its name and key")
    return VerifierKey(name=name, key_id=expected_id, public_key=public_key)


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes) -> str:
    if not origin or "\n" in origin:
        raise NoteError("the origin must be one non-empty line")
    return f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode()}\n"


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    if not body.endswith("\n") or "\n\n" in body:
        raise NoteError("a note body ends with a newline and has no blank line")
    public_key = private_key.public_key()
    signature = private_key.sign(body.encode())
    encoded = base64.b64encode(key_id(name, public_key) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {encoded}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """The signed body and its (key name, key id || signature) lines."""
    if not note.endswith("\n"):
        raise NoteError("a note ends with a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("a note has a blank line before its signatures")
    body, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    if not lines:
        raise NoteError("the note has no signature")
    signatures = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with '— '")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error as error:
            raise NoteError("a signature is not valid base64") from error
        if len(blob) < 5:
            raise NoteError("a signature is too short")
        signatures.append((name, blob))
    return body, signatures


def verify_note(note: str, key: VerifierKey) -> str:
    """The body of ``note`` if ``key`` signed it; raises SignatureMismatch otherwise."""
    body, signatures = split_note(note)
    ours = [blob for name, blob in signatures if name == key.name and blob[:4] == key.key_id]
    if not ours:
        names = ", ".join(sorted({name for name, _ in signatures}))
        raise SignatureMismatch(f"checkpoint signed by another key ({names}), not {key.name}")
    for blob in ours:
        try:
            key.public_key.verify(blob[4:], body.encode())
        except InvalidSignature:
            continue
        return body
    raise SignatureMismatch("checkpoint signature invalid")


def parse_checkpoint_body(body: str) -> CheckpointBody:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a tree size and a root hash line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
        raise NoteError("the checkpoint's tree size is not a decimal number")
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise NoteError("the checkpoint's root hash is not base64") from error
    if len(root_hash) != 32 or not origin:
        raise NoteError("the checkpoint's origin or root hash is malformed")
    return CheckpointBody(origin=origin, tree_size=int(size_text), root_hash=root_hash)


def open_checkpoint(note: str, key: VerifierKey) -> CheckpointBody:
    """Verify the signature and parse: the only way the verifier reads a checkpoint."""
    return parse_checkpoint_body(verify_note(note, key))
