"""ledger.merkle against the naive RFC 9162 definitions, for every small size."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.ledger import merkle
from madoguchi.ledger.tests import naive

MAX_SIZE = 300


def data_of(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def hashes_of(data: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(d) for d in data]


def subtree_callback(data: list[bytes]):  # type: ignore[no-untyped-def]
    return lambda start, end: naive.mth(data[start:end])


def test_hashes_follow_the_rfc_9162_prefixes() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    # The empty leaf of RFC 6962/9162 test data.
    assert merkle.leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_roots_equal_the_naive_mth_for_every_size_up_to_300() -> None:
    data = data_of(MAX_SIZE)
    frontier = merkle.Frontier()
    assert frontier.root() == naive.mth([])
    for n, leaf in enumerate(hashes_of(data), start=1):
        frontier.append(leaf)
        assert frontier.root() == naive.mth(data[:n]), n


def test_completed_subtrees_are_the_aligned_perfect_subtrees() -> None:
    data = data_of(130)
    frontier = merkle.Frontier()
    stored: dict[tuple[int, int], bytes] = {}
    for leaf in hashes_of(data):
        for level, start, value in frontier.append(leaf):
            stored[(level, start)] = value

    expected = {
        (level, start)
        for level in range(1, 8)
        for start in range(0, 130, 1 << level)
        if start + (1 << level) <= 130
    }
    assert set(stored) == expected
    for (level, start), value in stored.items():
        assert value == naive.mth(data[start : start + (1 << level)])


def test_every_inclusion_proof_matches_the_rfc_path_up_to_size_64() -> None:
    for n in range(1, 65):
        data = data_of(n)
        root = naive.mth(data)
        for m in range(n):
            produced = merkle.inclusion_proof(m, n, subtree_callback(data))
            assert produced == naive.path(m, data), (m, n)
            assert merkle.verify_inclusion(m, n, merkle.leaf_hash(data[m]), produced, root)


def test_every_consistency_proof_matches_the_rfc_proof_up_to_size_64() -> None:
    for n in range(1, 65):
        data = data_of(n)
        for m in range(1, n + 1):
            produced = merkle.consistency_proof(m, n, subtree_callback(data))
            assert produced == naive.proof(m, data), (m, n)
            assert merkle.verify_consistency(
                m, n, naive.mth(data[:m]), naive.mth(data), produced
            ), (m, n)


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    return n, draw(st.integers(min_value=0, max_value=n - 1))


@settings(max_examples=150, deadline=None)
@given(size_and_index())
def test_inclusion_proofs_verify_and_reject_any_other_leaf(case: tuple[int, int]) -> None:
    n, m = case
    data = data_of(n)
    root = naive.mth(data)
    produced = merkle.inclusion_proof(m, n, subtree_callback(data))

    assert produced == naive.path(m, data)
    assert merkle.verify_inclusion(m, n, merkle.leaf_hash(data[m]), produced, root)
    assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"forged"), produced, root)
    if n > 1:
        other = (m + 1) % n
        assert not merkle.verify_inclusion(other, n, merkle.leaf_hash(data[m]), produced, root)
        assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(data[m]), produced[:-1], root)
        bent = [bytes([produced[0][0] ^ 1]) + produced[0][1:], *produced[1:]]
        assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(data[m]), bent, root)


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    return draw(st.integers(min_value=1, max_value=n)), n


@settings(max_examples=150, deadline=None)
@given(two_sizes())
def test_consistency_proofs_verify_and_reject_a_rewritten_history(case: tuple[int, int]) -> None:
    m, n = case
    data = data_of(n)
    produced = merkle.consistency_proof(m, n, subtree_callback(data))
    old_root, new_root = naive.mth(data[:m]), naive.mth(data)

    assert produced == naive.proof(m, data)
    assert merkle.verify_consistency(m, n, old_root, new_root, produced)
    rewritten = naive.mth([b"rewritten", *data[1:m]])
    assert not merkle.verify_consistency(m, n, rewritten, new_root, produced)
    if m < n:
        assert not merkle.verify_consistency(m, n, old_root, naive.mth(data[:-1]), produced)


@settings(max_examples=100, deadline=None)
@given(two_sizes())
def test_aligned_ranges_fold_from_stored_pieces(case: tuple[int, int]) -> None:
    width, n = case
    data = data_of(n)
    # The ranges proofs need: starting at a multiple of a power of two covering the range.
    step = 1 << (width - 1).bit_length()
    start = (n - width) // step * step
    end = min(start + width, n)

    pieces = merkle.range_pieces(start, end)
    value = merkle.range_hash(start, end, lambda level, at: naive.mth(data[at : at + (1 << level)]))

    assert value == naive.mth(data[start:end])
    assert sum(1 << level for level, _ in pieces) == end - start


def test_malformed_proofs_are_rejected_not_crashing() -> None:
    data = data_of(5)
    root = naive.mth(data)
    leaf = merkle.leaf_hash(data[0])

    assert not merkle.verify_inclusion(5, 5, leaf, [], root)
    assert not merkle.verify_inclusion(0, 5, leaf, [b"short"], root)
    assert not merkle.verify_inclusion(0, 5, leaf, [root] * 10, root)
    assert not merkle.verify_consistency(3, 5, naive.mth(data[:3]), root, [])
    assert not merkle.verify_consistency(5, 3, root, naive.mth(data[:3]), [root])
    assert merkle.verify_consistency(5, 5, root, root, [])
    assert not merkle.verify_consistency(5, 5, root, root, [root])
