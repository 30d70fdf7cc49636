"""Signed notes interoperate with Go's golang.org/x/mod/sumdb/note (the C2SP reference)."""

from __future__ import annotations

import base64
import contextlib
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.ledger import notes

# The example of golang.org/x/mod/sumdb/note's documentation and tests.
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def go_private_key() -> Ed25519PrivateKey:
    encoded = GO_SIGNER_KEY.split("+", 4)[4]
    seed = base64.b64decode(encoded)[1:]
    return Ed25519PrivateKey.from_private_bytes(seed)


def test_signing_reproduces_the_go_reference_note_byte_for_byte() -> None:
    key = go_private_key()

    assert notes.verifier_key_text("PeterNeumann", key.public_key()) == GO_VERIFIER_KEY
    assert notes.sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE


def test_the_go_reference_note_verifies_and_an_edit_does_not() -> None:
    key = notes.parse_verifier_key(GO_VERIFIER_KEY)

    assert notes.verify_note(GO_NOTE, key) == GO_TEXT
    with pytest.raises(notes.SignatureMismatch, match="signature invalid"):
        notes.verify_note(GO_NOTE.replace("cryptography", "cryptographY"), key)


def test_a_note_signed_by_another_key_is_named_as_such() -> None:
    other = Ed25519PrivateKey.generate()
    foreign = notes.sign_note(GO_TEXT, "example.org/ledger", other)

    with pytest.raises(notes.SignatureMismatch, match="another key"):
        notes.verify_note(foreign, notes.parse_verifier_key(GO_VERIFIER_KEY))


def test_key_id_is_the_signed_note_hash_of_name_type_and_key() -> None:
    public = go_private_key().public_key()
    raw = base64.b64decode(GO_VERIFIER_KEY.split("+", 2)[2])[1:]

    expected = hashlib.sha256(b"PeterNeumann\n\x01" + raw).digest()[:4]
    assert notes.key_id("PeterNeumann", public) == expected == bytes.fromhex("c74f20a3")


@pytest.mark.parametrize(
    "text",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong id
        "PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong type
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # space
        "PeterNeumann+c74f20a3",
        "",
    ],
)
def test_malformed_verifier_keys_are_refused(text: str) -> None:
    with pytest.raises(notes.NoteError):
        notes.parse_verifier_key(text)


def test_checkpoints_follow_the_tlog_checkpoint_layout() -> None:
    key = Ed25519PrivateKey.generate()
    root = hashlib.sha256(b"root").digest()

    note = notes.sign_note(notes.checkpoint_body("city.example.lg.jp/ledger", 42, root), "k", key)

    lines = note.split("\n")
    assert lines[:4] == ["city.example.lg.jp/ledger", "42", base64.b64encode(root).decode(), ""]
    assert lines[4].startswith("— k ")
    verifier = notes.parse_verifier_key(notes.verifier_key_text("k", key.public_key()))
    body = notes.open_checkpoint(note, verifier)
    assert (body.origin, body.tree_size, body.root_hash) == ("city.example.lg.jp/ledger", 42, root)


@given(st.text(max_size=200))
def test_parsing_arbitrary_text_fails_only_with_note_errors(text: str) -> None:
    verifier = notes.parse_verifier_key(GO_VERIFIER_KEY)
    with contextlib.suppress(notes.NoteError, notes.SignatureMismatch):
        notes.open_checkpoint(text, verifier)
