"""Merkle tree hashing, proofs and their verification, as RFC 9162 §2.1 defines them.

Pure and database-free: the storage layer hands in the hashes of subtrees through a
callback, so the same code serves the stored ledger, the offline verifier and tests.

Ranges are half-open ``[start, end)`` over leaf indices. Every subtree a proof needs
starts at a multiple of a power of two at least as large as its own perfect pieces
("aligned"), so its hash can be assembled from stored perfect subtrees (see
:func:`range_pieces`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]
# (level, start): the perfect subtree of 2**level leaves beginning at ``start``.
Piece = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k such that k < n <= 2k (RFC 9162's split point); n must be at least 2."""
    if n < 2:
        raise ValueError("a split needs at least two leaves")
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The right edge of a tree: one perfect subtree per set bit of its size, left to right.

    Appending a leaf merges equal-sized subtrees like a binary counter carries, so the new
    root costs O(log n) hashes, and the perfect subtrees completed on the way are returned
    for storage.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a frontier has one hash per set bit of the tree size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the completed perfect subtrees (level >= 1, start, hash)."""
        completed: list[tuple[int, int, bytes]] = []
        current, level = leaf, 0
        while (self.size >> level) & 1:
            current = node_hash(self.hashes.pop(), current)
            level += 1
            completed.append((level, self.size + 1 - (1 << level), current))
        self.hashes.append(current)
        self.size += 1
        return completed

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            root = node_hash(left, root)
        return root


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes, in one pass and O(log n) memory."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def range_pieces(start: int, end: int) -> list[Piece]:
    """The perfect subtrees, left to right, whose fold from the right is MTH(D[start:end]).

    MTH splits a range at the largest power of two below its size, so its left parts are
    the set bits of ``end - start`` from the highest down. Each must be aligned to be a
    stored subtree; the ranges proofs use always are.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    pieces: list[Piece] = []
    position, remaining = start, end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            if position % (1 << level):
                raise ValueError(f"range [{start}, {end}) is not aligned")
            pieces.append((level, position))
            position += 1 << level
    return pieces


def fold_pieces(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of :func:`range_pieces` into the range's MTH."""
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def range_hash(start: int, end: int, piece_hash: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[start:end]) from a callback giving the hash of a perfect subtree (level, start)."""
    return fold_pieces([piece_hash(level, at) for level, at in range_pieces(start, end)])


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form PATH(index, D[size]) (RFC 9162 §2.1.3.1), in order."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    # Walk down from the root; each level contributes the sibling of the side we descend.
    while end - start > 1:
        k = largest_power_of_two_below(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # the proof lists siblings from the leaf upwards
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The subtrees whose hashes form PROOF(first, D[second]) (RFC 9162 §2.1.4.1), in order."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    ranges: list[Range] = []
    start, m, n, whole = 0, first, second, True
    while m != n:
        k = largest_power_of_two_below(n)
        if m <= k:
            ranges.append((start + k, start + n))
            n = k
        else:
            ranges.append((start, start + k))
            start, m, n, whole = start + k, m - k, n - k, False
    if not whole:
        ranges.append((start, start + n))
    ranges.reverse()
    return ranges


def inclusion_proof(
    index: int, size: int, subtree_hash: Callable[[int, int], bytes]
) -> list[bytes]:
    """PATH(index, D[size]) with ``subtree_hash(start, end)`` giving MTH(D[start:end])."""
    return [subtree_hash(start, end) for start, end in inclusion_ranges(index, size)]


def consistency_proof(
    first: int, second: int, subtree_hash: Callable[[int, int], bytes]
) -> list[bytes]:
    """PROOF(first, D[second]) with ``subtree_hash(start, end)`` giving MTH(D[start:end])."""
    return [subtree_hash(start, end) for start, end in consistency_ranges(first, second)]


def root_from_inclusion_proof(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes]
) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or None if malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != HASH_SIZE or sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    return root_from_inclusion_proof(index, size, leaf, proof) == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does the tree of ``second`` leaves extend the one of ``first``?"""
    if not 0 < first <= second:
        return False
    if any(len(p) != HASH_SIZE for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    # When the old tree is a perfect left subtree of the new one its root is implied.
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
