"""Offline verification of ledger exports, inclusion bundles and checkpoints.

Pure: no database, no network, no Django settings; an auditor runs it with nothing but
the export (or a receipt's bundle) and the published verifier key. Problems are named
in terms an auditor can act on: which entry was altered, which are missing, where the
order breaks, whether the checkpoint's signature holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from madoguchi.ledger import canonical, merkle, notes

EXPORT_FORMAT = "madoguchi-ledger/1"
MAX_PROBLEMS = 100
# Guessing which entry a mismatching row really was costs a hash per pair; bound it.
MAX_REORDER_GUESSES = 64


class VerificationFailed(Exception):
    """The evidence does not verify; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class LedgerReport:
    entries: int = 0
    tree_size: int | None = None
    root: str | None = None
    origin: str | None = None
    key_name: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return (
                f"OK: {self.entries} entries, root {self.root}, "
                f"checkpoint signed by {self.key_name}"
            )
        shown = self.problems[:MAX_PROBLEMS]
        more = len(self.problems) - len(shown)
        lines = [f"FAILED: {len(self.problems)} problem(s)", *shown]
        if more:
            lines.append(f"... and {more} more")
        return "\n".join(lines)


def load_export(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError("a ledger export is a JSON object")
    return data


def _gaps(inside: list[int], tree_size: int) -> list[tuple[int, int]]:
    """Runs of indices below tree_size that are absent from the sorted ``inside``."""
    gaps: list[tuple[int, int]] = []
    previous = -1
    for index in [*inside, tree_size]:
        if index > previous + 1:
            gaps.append((previous + 1, index - 1))
        previous = max(previous, index)
    return gaps


def _missing_message(first: int, last: int, present: set[int]) -> str:
    what = f"entry {first}" if first == last else f"entries {first}–{last}"
    if not present:
        return f"{what} missing (the export has none)"
    if first == 0 and last + 1 in present:
        return f"{what} missing (the export starts at {last + 1})"
    if last + 1 in present:
        return f"{what} missing (indices jump from {first - 1} to {last + 1})"
    return f"{what} missing (the export ends at {first - 1})"


def _check_order(indices: list[int | None], tree_size: int, problems: list[str]) -> None:
    """Name reordered, duplicated and missing entries from the indices as exported."""
    known = [index for index in indices if index is not None]
    present = set(known)
    seen: set[int] = set()
    for position, index in enumerate(indices):
        if index is None:
            continue
        if index in seen:
            problems.append(f"entry {index} appears twice (again at position {position})")
        seen.add(index)
    if known != sorted(known):
        expected = iter(sorted(known))
        for position, index in enumerate(indices):
            if index is None:
                continue
            belongs = next(expected)
            if index != belongs:
                problems.append(
                    f"entries out of order at position {position} "
                    f"(entry {index} where entry {belongs} belongs)"
                )
    for first, last in _gaps(sorted(index for index in present if index < tree_size), tree_size):
        problems.append(_missing_message(first, last, present))
    beyond = sorted(index for index in present if index >= tree_size)
    if beyond:
        problems.append(
            f"{len(beyond)} entries beyond the checkpoint's tree size {tree_size} "
            f"(from entry {beyond[0]})"
        )


def _name_altered(altered: list[tuple[int, int, Mapping[str, Any]]], problems: list[str]) -> None:
    """Name each entry whose leaf hash differs; one whose content hashes right under another
    altered entry's index was moved there (rows swapped), not edited."""
    candidates = [index for _, index, _ in altered] if len(altered) <= MAX_REORDER_GUESSES else []
    for position, index, entry in altered:
        moved = next(
            (
                other
                for other in candidates
                if other != index
                and canonical.entry_leaf_hash({**entry, "index": other}).hex() == entry["leaf_hash"]
            ),
            None,
        )
        if moved is not None:
            problems.append(
                f"entries out of order at position {position}: "
                f"entry {moved} is stored as entry {index}"
            )
        else:
            problems.append(f"entry {index}: content altered (leaf hash differs)")


def _open(
    note: object, key: notes.VerifierKey, problems: list[str], label: str
) -> notes.CheckpointBody | None:
    """Verify and parse a checkpoint, recording why not; unsigned bodies still parse."""
    if not isinstance(note, str):
        problems.append(f"{label} is missing")
        return None
    try:
        return notes.open_checkpoint(note, key)
    except notes.SignatureMismatch as error:
        problems.append(f"{label}: {error}")
    except notes.NoteError as error:
        problems.append(f"{label} is malformed: {error}")
        return None
    try:  # Keep checking the entries against what it claims, to name more problems.
        return notes.parse_checkpoint_body(notes.split_note(note)[0])
    except notes.NoteError:
        return None


def verify_export(
    data: Mapping[str, Any], public_key_text: str, *, checkpoint: str | None = None
) -> LedgerReport:
    """Check a ``madoguchi ledger export`` against its checkpoint and the verifier key.

    ``checkpoint``, when given, is a note obtained independently (say, fetched from the
    public URL last month); the export must contain its tree as a prefix.
    """
    report = LedgerReport()
    problems = report.problems
    if data.get("format") != EXPORT_FORMAT:
        problems.append(f"not a {EXPORT_FORMAT} export")
        return report
    try:
        key = notes.parse_verifier_key(public_key_text)
    except notes.NoteError as error:
        problems.append(f"the public key is malformed: {error}")
        return report
    report.key_name = key.name
    head = _open(data.get("checkpoint"), key, problems, "the export's checkpoint")
    if head is None:
        return report
    report.tree_size, report.origin = head.tree_size, head.origin
    if data.get("origin") not in (None, head.origin):
        problems.append(
            f"the export names origin {data.get('origin')!r}, the checkpoint {head.origin!r}"
        )
    external = None
    if checkpoint is not None:
        external = _open(checkpoint, key, problems, "the given checkpoint")
        if external is not None and external.origin != head.origin:
            problems.append(f"the given checkpoint is for another log ({external.origin})")

    entries = data.get("entries")
    if not isinstance(entries, list):
        problems.append("the export has no list of entries")
        return report
    report.entries = len(entries)
    indices: list[int | None] = []
    altered: list[tuple[int, int, Mapping[str, Any]]] = []
    frontier = merkle.Frontier()
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    wanted = {head.tree_size} | ({external.tree_size} if external else set())
    for position, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise ValueError("not an object")
            leaf = canonical.entry_leaf_hash(entry)
            indices.append(entry["index"])
        except ValueError as error:
            problems.append(f"entry at position {position} is malformed ({error})")
            indices.append(None)
            leaf = merkle.leaf_hash(b"")  # anything: the root will not match
        else:
            if "leaf_hash" in entry and entry["leaf_hash"] != leaf.hex():
                altered.append((position, entry["index"], entry))
        frontier.append(leaf)
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root()

    _check_order(indices, head.tree_size, problems)
    _name_altered(altered, problems)
    computed = roots.get(head.tree_size)
    report.root = computed.hex() if computed is not None else None
    if computed != head.root_hash:
        problems.append("root does not match the checkpoint")
    if external is not None:
        if external.tree_size > len(entries):
            problems.append(
                f"the given checkpoint covers {external.tree_size} entries, "
                f"the export has only {len(entries)}"
            )
        elif roots.get(external.tree_size) != external.root_hash:
            problems.append(
                f"root does not match the given checkpoint (tree size {external.tree_size})"
            )
    return report


def _hashes(values: object, what: str) -> list[bytes]:
    if not isinstance(values, list):
        raise VerificationFailed(f"the {what} is not a list of hashes")
    try:
        return [bytes.fromhex(value) for value in values]
    except (TypeError, ValueError) as error:
        raise VerificationFailed(f"the {what} is not a list of hex hashes") from error


def _trusted_checkpoint(note: object, public_key_text: str) -> notes.CheckpointBody:
    if not isinstance(note, str):
        raise VerificationFailed("the ledger checkpoint is missing")
    try:
        key = notes.parse_verifier_key(public_key_text)
    except notes.NoteError as error:
        raise VerificationFailed(f"the ledger public key is malformed: {error}") from error
    try:
        return notes.open_checkpoint(note, key)
    except notes.SignatureMismatch as error:
        raise VerificationFailed(f"the ledger {error}") from error
    except notes.NoteError as error:
        raise VerificationFailed(f"the ledger checkpoint is malformed: {error}") from error


def verify_inclusion_bundle(bundle: Mapping[str, Any], public_key_text: str) -> None:
    """Check ``{"entry": <export dict>, "proof": [hex], "checkpoint": <note>}``.

    Raises VerificationFailed naming the first problem; returns None when the entry is in
    the tree the checkpoint's key signed.
    """
    head = _trusted_checkpoint(bundle.get("checkpoint"), public_key_text)
    entry = bundle.get("entry")
    if not isinstance(entry, dict):
        raise VerificationFailed("the ledger entry is missing")
    try:
        leaf = canonical.entry_leaf_hash(entry)
    except ValueError as error:
        raise VerificationFailed(f"the ledger entry is malformed: {error}") from error
    if "leaf_hash" in entry and entry["leaf_hash"] != leaf.hex():
        raise VerificationFailed("the ledger entry was altered (its leaf hash differs)")
    proof = _hashes(bundle.get("proof"), "ledger proof")
    index = entry["index"]
    if not 0 <= index < head.tree_size:
        raise VerificationFailed(
            f"the checkpoint (tree size {head.tree_size}) does not cover ledger entry {index}"
        )
    if not merkle.verify_inclusion(index, head.tree_size, leaf, proof, head.root_hash):
        raise VerificationFailed("the ledger proof does not lead to the signed checkpoint")


def verify_consistency(
    old_note: str, new_note: str, proof: Sequence[str], public_key_text: str
) -> tuple[int, int]:
    """Check that the newer checkpoint's tree extends the older one's; returns both sizes."""
    old = _trusted_checkpoint(old_note, public_key_text)
    new = _trusted_checkpoint(new_note, public_key_text)
    if old.origin != new.origin:
        raise VerificationFailed("the checkpoints are of different logs")
    if old.tree_size > new.tree_size:
        old, new = new, old
    hashes = _hashes(list(proof), "consistency proof")
    if old.tree_size == 0:
        return old.tree_size, new.tree_size  # every tree extends the empty one
    if not merkle.verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, hashes
    ):
        raise VerificationFailed(
            f"the tree of size {new.tree_size} does not extend the tree of size {old.tree_size}"
        )
    return old.tree_size, new.tree_size
