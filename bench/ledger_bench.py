"""Audit ledger: appends per second, proof lookup and verification, export verification.

    # SQLite (a fresh file database in WAL mode, as the embedded default runs it)
    MADOGUCHI_VAR_DIR=/tmp/ledger-bench DJANGO_SETTINGS_MODULE=madoguchi.settings.dev \
        .venv/bin/python bench/ledger_bench.py 4000
    # PostgreSQL (use a scratch database: the script migrates it and appends for real)
    createdb -h 127.0.0.1 -U postgres ledger_bench
    MADOGUCHI_VAR_DIR=/tmp/ledger-bench DATABASE_URL=postgres://postgres@127.0.0.1/ledger_bench \
        DJANGO_SETTINGS_MODULE=madoguchi.settings.dev .venv/bin/python bench/ledger_bench.py 4000

Each append is its own transaction and commit (as an event outside a larger transaction
would be), first from one thread, then from 8 threads contending for the tree head.
"""

from __future__ import annotations

import io
import json
import logging
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from madoguchi.ledger import checkpoint, selectors, services, verify  # noqa: E402
from madoguchi.ledger.management.commands.ledger import write_export  # noqa: E402
from madoguchi.ledger.models import LedgerEntry  # noqa: E402

THREADS = 8
DETAIL = {"department": "shimin", "document": "ab" * 32, "form": "12"}


def append(number: int) -> None:
    services.append(
        "submission.viewed",
        actor=f"staff:{number % 50:024x}",
        subject=f"submission:{number:024x}",
        detail=DETAIL,
    )


def main(count: int) -> None:
    logging.disable(logging.INFO)  # the event log line per append is not what we measure
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    for number in range(count):
        append(number)
    elapsed = time.perf_counter() - start
    print(f"{connection.vendor}: {count} sequential appends: {count / elapsed:.0f}/s")

    per_thread = count // THREADS

    def worker(thread: int) -> None:
        try:
            for number in range(per_thread):
                append(count + thread * per_thread + number)
        finally:
            connection.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))
    elapsed = time.perf_counter() - start
    print(
        f"{connection.vendor}: {per_thread * THREADS} appends from {THREADS} threads: "
        f"{per_thread * THREADS / elapsed:.0f}/s"
    )

    signed = services.sign_checkpoint()
    key = checkpoint.public_key_text()
    lookups, checks = [], []
    for index in range(0, signed.tree_size, max(1, signed.tree_size // 200)):
        begin = time.perf_counter()
        proof = selectors.inclusion_proof(index, signed.tree_size)
        lookups.append(time.perf_counter() - begin)
        bundle = {
            "entry": LedgerEntry.objects.get(index=index).as_export(),
            "proof": [h.hex() for h in proof],
            "checkpoint": signed.note,
        }
        begin = time.perf_counter()
        verify.verify_inclusion_bundle(bundle, key)
        checks.append(time.perf_counter() - begin)
    print(
        f"tree size {signed.tree_size}: inclusion proof from the database, median "
        f"{statistics.median(lookups) * 1000:.2f} ms; verify_inclusion_bundle (Ed25519 "
        f"checkpoint + audit path), median {statistics.median(checks) * 1e6:.0f} µs"
    )

    out = io.StringIO()
    write_export(out, signed)
    data = json.loads(out.getvalue())
    begin = time.perf_counter()
    report = verify.verify_export(data, key)
    elapsed = time.perf_counter() - begin
    assert report.ok, report.problems
    print(f"verify_export of {signed.tree_size} entries: {elapsed:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
