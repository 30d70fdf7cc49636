"""Reads of the audit ledger: entries about a subject, tree heads, proofs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from madoguchi.ledger import merkle
from madoguchi.ledger.models import Checkpoint, LedgerEntry, LedgerHead, LedgerNode


class ProofUnavailable(LookupError):
    """The ledger is not (yet) that large, or its stored hashes are incomplete."""


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes


def current_head() -> TreeHead:
    """The committed tree head (not locked; appends may follow at once)."""
    row = LedgerHead.objects.filter(pk=LedgerHead.SINGLETON).values_list("size", "root").first()
    if row is None:
        return TreeHead(size=0, root=merkle.EMPTY_ROOT)
    return TreeHead(size=row[0], root=bytes.fromhex(row[1]))


def entry_for(subject: str, event: str) -> LedgerEntry | None:
    """The first entry recording ``event`` about ``subject`` (e.g. a submission's SUBMITTED)."""
    return LedgerEntry.objects.filter(subject=subject, event=event).order_by("index").first()


def entries_about(subjects: list[str], events: list[str] | None = None) -> QuerySet[LedgerEntry]:
    """Every entry about any of ``subjects`` (optionally only these events), oldest first."""
    entries = LedgerEntry.objects.filter(subject__in=subjects)
    if events is not None:
        entries = entries.filter(event__in=events)
    return entries.order_by("index")


def entry_at(index: int) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(index=index).first()


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size").first()


def checkpoint_of_size(tree_size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(tree_size=tree_size).first()


def latest_checkpoint_upto(tree_size: int) -> Checkpoint | None:
    return Checkpoint.objects.filter(tree_size__lte=tree_size).order_by("-tree_size").first()


def entries_upto(tree_size: int, *, chunk_size: int = 2000) -> Iterator[LedgerEntry]:
    """Entries 0..tree_size-1 in order, streamed (exports can be large)."""
    return (
        LedgerEntry.objects.filter(index__lt=tree_size)
        .order_by("index")
        .iterator(chunk_size=chunk_size)
    )


def _piece_hashes(pieces: Iterable[merkle.Piece]) -> dict[merkle.Piece, bytes]:
    """Stored hashes of perfect subtrees, in two queries (leaves live on the entries)."""
    wanted = set(pieces)
    found: dict[merkle.Piece, bytes] = {}
    leaves = [start for level, start in wanted if level == 0]
    if leaves:
        for index, leaf in LedgerEntry.objects.filter(index__in=leaves).values_list(
            "index", "leaf_hash"
        ):
            found[(0, index)] = bytes.fromhex(leaf)
    nodes = {(level, start) for level, start in wanted if level > 0}
    if nodes:
        # One indexed IN query for a small superset (a proof needs O(log n) of each),
        # which is much cheaper to build than an OR of (level, start) pairs.
        rows = LedgerNode.objects.filter(
            level__in={level for level, _ in nodes}, start__in={start for _, start in nodes}
        ).values_list("level", "start", "hash")
        for level, start, value in rows:
            if (level, start) in nodes:
                found[(level, start)] = bytes.fromhex(value)
    missing = wanted - found.keys()
    if missing:
        raise ProofUnavailable(f"the ledger's stored hashes lack {sorted(missing)[:3]}")
    return found


def _range_hashes(ranges: list[merkle.Range]) -> list[bytes]:
    pieces = {range_: merkle.range_pieces(*range_) for range_ in ranges}
    found = _piece_hashes(piece for parts in pieces.values() for piece in parts)
    return [merkle.fold_pieces([found[piece] for piece in pieces[range_]]) for range_ in ranges]


def _require_size(tree_size: int) -> None:
    size = current_head().size
    if tree_size > size:
        raise ProofUnavailable(f"the ledger has {size} entries, fewer than {tree_size}")


def inclusion_proof(index: int, tree_size: int) -> list[bytes]:
    """The audit path of entry ``index`` in the tree of ``tree_size`` entries (RFC 9162).

    Raises ValueError when index is not below tree_size, ProofUnavailable when the ledger
    has fewer than tree_size entries.
    """
    ranges = merkle.inclusion_ranges(index, tree_size)
    _require_size(tree_size)
    return _range_hashes(ranges)


def consistency_proof(first: int, second: int) -> list[bytes]:
    """Proof that the tree of ``second`` entries extends the one of ``first`` (RFC 9162)."""
    ranges = merkle.consistency_ranges(first, second)
    _require_size(second)
    return _range_hashes(ranges)


def root_at(tree_size: int) -> bytes:
    """The root hash the tree had when it held ``tree_size`` entries."""
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    _require_size(tree_size)
    return _range_hashes([(0, tree_size)])[0]
