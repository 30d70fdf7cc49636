"""Ledger inclusion proof verification at N entries, projected to 10^8 (no database).

    DJANGO_SETTINGS_MODULE=madoguchi.settings.test .venv/bin/python bench/proof_bench.py 1000000

Builds the RFC 9162 Merkle tree of N synthetic entries in memory with the ledger's own
hashing (``ledger.canonical``, ``ledger.merkle``), signs a checkpoint with the ledger key,
and times ``ledger.verify.verify_inclusion_bundle`` (Ed25519 checkpoint + audit path) for
entries spread over the tree. The audit path has ceil(log2 N) hashes and the signature check
is constant, so verification at 10^8 is projected as ``signature + path × log2(1e8)/log2(N)``
(a tree of 10^8 leaves does not fit in this machine's memory as Python objects).
Prints one JSON line last.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from datetime import UTC, datetime

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
sys.path.append(os.path.join(os.path.dirname(__file__), "..", "src"))  # after PYTHONPATH

import django

django.setup()

from madoguchi.ledger import canonical, checkpoint, merkle, notes, verify  # noqa: E402

TIME = canonical.format_time(datetime(2026, 4, 1, tzinfo=UTC))


def entry(index: int) -> dict[str, object]:
    return canonical.entry_fields(
        index=index,
        event="submission.received",
        time=TIME,
        actor="resident",
        subject=f"submission:{index:032x}",
        detail={"document": "ab" * 32, "form": "12"},
    )


def main(size: int) -> None:
    started = time.perf_counter()
    # levels[k][i]: hash of the perfect subtree of 2**k leaves starting at leaf i * 2**k.
    levels = [[canonical.entry_leaf_hash(entry(i)) for i in range(size)]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        )
    build = time.perf_counter() - started

    def piece(level: int, start: int) -> bytes:
        return levels[level][start >> level]

    def subtree(start: int, end: int) -> bytes:
        return merkle.range_hash(start, end, piece)

    root = subtree(0, size)
    note = checkpoint.sign(size, root)
    key = checkpoint.public_key_text()
    samples = list(range(0, size, max(1, size // 500)))[:500]
    times, proof_lengths = [], []
    for index in samples:
        proof = merkle.inclusion_proof(index, size, subtree)
        proof_lengths.append(len(proof))
        bundle = {"entry": entry(index), "proof": [h.hex() for h in proof], "checkpoint": note}
        begin = time.perf_counter()
        verify.verify_inclusion_bundle(bundle, key)
        times.append(time.perf_counter() - begin)
    # The constant part: the Ed25519 signature on the checkpoint note.
    verifier = checkpoint.verifier_key()
    sig_times = []
    for _ in range(200):
        begin = time.perf_counter()
        notes.open_checkpoint(note, verifier)
        sig_times.append(time.perf_counter() - begin)
    median = statistics.median(times) * 1000
    signature = statistics.median(sig_times) * 1000
    path = max(median - signature, 0.0)
    projected = signature + path * math.log2(1e8) / math.log2(size)
    print(
        json.dumps(
            {
                "size": size,
                "build_seconds": round(build, 1),
                "median_ms": round(median, 4),
                "p99_ms": round(sorted(times)[int(len(times) * 0.99) - 1] * 1000, 4),
                "ed25519_ms": round(signature, 4),
                "proof_hashes_max": max(proof_lengths),
                "projected_ms_1e8": round(projected, 4),
                "projected_proof_hashes_1e8": math.ceil(math.log2(1e8)),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
