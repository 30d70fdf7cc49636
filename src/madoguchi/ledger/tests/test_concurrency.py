"""Parallel appends on PostgreSQL: no fork, no gap, and the stored tree stays RFC-correct.

Only PostgreSQL runs writers truly in parallel here (SQLite serialises every write
transaction), so this needs it; it commits for real.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from madoguchi.ledger import merkle, selectors, services
from madoguchi.ledger.models import LedgerEntry, LedgerNode
from madoguchi.ledger.tests import naive

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

THREADS = 8
PER_THREAD = 25


class Abandoned(Exception):
    """Raised on purpose after appending, to roll the caller's transaction back."""


def test_parallel_appends_keep_one_contiguous_tree() -> None:
    def append_many(thread: int) -> list[int]:
        try:
            indices = []
            for number in range(PER_THREAD):
                if number % 5 == 4:  # some callers roll back after their event
                    with pytest.raises(Abandoned), transaction.atomic():
                        services.append("config.changed", actor="t", subject="x", detail={})
                        raise Abandoned
                entry = services.append(
                    "submission.viewed",
                    actor=f"staff:{thread}",
                    subject=f"submission:{thread}-{number}",
                    detail={"n": str(number)},
                )
                indices.append(entry.index)
            return indices
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(append_many, range(THREADS)))

    total = THREADS * PER_THREAD
    indices = sorted(index for batch in results for index in batch)
    assert indices == list(range(total))
    data = [entry.entry_bytes() for entry in LedgerEntry.objects.order_by("index")]
    assert len(data) == total
    head = selectors.current_head()
    assert (head.size, head.root) == (total, naive.mth(data))
    for node in LedgerNode.objects.all():
        assert node.hash == naive.mth(data[node.start : node.start + (1 << node.level)]).hex()
    proof = selectors.inclusion_proof(137, total)
    assert merkle.verify_inclusion(137, total, merkle.leaf_hash(data[137]), proof, head.root)


def test_concurrent_checkpoint_requests_sign_one_checkpoint_per_size() -> None:
    for number in range(5):
        services.append("config.changed", actor="t", subject="x", detail={"n": str(number)})

    def sign(_thread: int) -> tuple[int, str]:
        try:
            signed = services.sign_checkpoint()
            return signed.tree_size, signed.note
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = set(pool.map(sign, range(THREADS)))

    assert len(results) == 1
    assert next(iter(results))[0] == 5
