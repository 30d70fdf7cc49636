"""Nothing lost: sustained submissions while app workers are killed and PostgreSQL restarts.

    .venv/bin/python bench/fault_test.py [--quick] [--seconds N]

Production shape on loopback: two gunicorn instances (sync workers) behind nginx, on the
benchmark's scratch PostgreSQL cluster (bench/harness.py), database ``fault_bench``.
Client threads POST to /api/v1/submissions/ without pause and note every receipt number
acknowledged with 201. Meanwhile the test sends SIGKILL to a random app worker every few
seconds (the gunicorn master starts a new one) and restarts PostgreSQL once, half-way.

Afterwards, in this process (Django with the benchmark settings):
- every acknowledged receipt number exists exactly once, and its submission is intact
  (stored document hash matches) with its ``submission.submitted`` ledger entry;
- no receipt number is duplicated, and the sequence 1..max has no hole;
- the ledger export verifies (``ledger.verify.verify_export``: every leaf, the tree, the
  signed checkpoint).
Prints one JSON line last; exit 1 when anything was lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from harness import log

DATABASE = "fault_bench"
PROXY_PORT = 8300
APP_PORTS = [8301, 8302]
BODY = json.dumps(
    {
        "municipality": "281000",
        "form": "shimin-anketo",
        "answers": {
            "ward": "nada",
            "age_group": "30s",
            "satisfaction": "5",
            "stay_intention": "stay",
            "priorities": ["digital"],
        },
    }
).encode()


class Client(threading.Thread):
    def __init__(self, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.stop = stop
        self.acknowledged: list[str] = []
        self.failed: dict[str, int] = {}

    def run(self) -> None:
        connection: http.client.HTTPConnection | None = None
        while not self.stop.is_set():
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", PROXY_PORT, timeout=30)
                connection.request(
                    "POST", "/api/v1/submissions/", BODY, {"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                data = response.read()
                if response.status == 201:
                    self.acknowledged.append(json.loads(data)["receipt_number"])
                else:
                    key = str(response.status)
                    self.failed[key] = self.failed.get(key, 0) + 1
                    time.sleep(0.05)  # a real client backs off before trying again
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as error:
                key = type(error).__name__
                self.failed[key] = self.failed.get(key, 0) + 1
                if connection is not None:
                    connection.close()
                connection = None
                time.sleep(0.05)


def check(acknowledged: list[str]) -> dict[str, Any]:
    """Compare what clients were told with what the database and the ledger hold."""
    os.environ.update(harness.madoguchi_env(DATABASE))
    sys.path.insert(0, str(harness.REPO / "src"))
    import hashlib
    import itertools

    import django

    django.setup()
    import io

    from django.db.models import Count

    from madoguchi.core import events
    from madoguchi.ledger import checkpoint, services, verify
    from madoguchi.ledger.management.commands.ledger import write_export
    from madoguchi.ledger.models import LedgerEntry
    from madoguchi.submissions.models import Submission

    rows = list(
        Submission.objects.values_list("receipt_number", "public_id", "document", "document_sha256")
    )
    by_number: dict[str, int] = {}
    for number, *_ in rows:
        by_number[number] = by_number.get(number, 0) + 1
    duplicates = sorted(n for n, c in by_number.items() if c > 1)
    duplicated_acks = len(acknowledged) - len(set(acknowledged))
    missing = sorted(set(acknowledged) - set(by_number))
    altered = [n for n, _, doc, sha in rows if hashlib.sha256(doc.encode()).hexdigest() != sha]
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in by_number)
    gaps = [(a, b) for a, b in itertools.pairwise(sequences) if b != a + 1] + (
        [(0, sequences[0])] if sequences and sequences[0] != 1 else []
    )
    submitted = set(
        LedgerEntry.objects.filter(event=events.Event.SUBMITTED).values_list("subject", flat=True)
    )
    without_ledger = [n for n, pid, *_ in rows if events.submission_subject(pid) not in submitted]
    ledger_dupes = (
        LedgerEntry.objects.filter(event=events.Event.SUBMITTED)
        .values("subject")
        .annotate(n=Count("index"))
        .filter(n__gt=1)
        .count()
    )
    signed = services.sign_checkpoint()
    out = io.StringIO()
    write_export(out, signed)
    report = verify.verify_export(json.loads(out.getvalue()), checkpoint.public_key_text())
    return {
        "stored": len(rows),
        "missing": len(missing),
        "missing_examples": missing[:5],
        "duplicates": len(duplicates) + duplicated_acks,
        "gaps": len(gaps),
        "gap_examples": gaps[:5],
        "altered": len(altered),
        "without_ledger_entry": len(without_ledger),
        "ledger_duplicate_entries": ledger_dupes,
        "ledger_ok": bool(report.ok),
        "ledger_problems": list(report.problems)[:5],
        "ledger_size": signed.tree_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--clients", type=int, default=12)
    args = parser.parse_args()
    seconds = args.seconds or (30 if args.quick else 90)
    harness.pg_start()
    harness.setup_madoguchi(DATABASE)
    servers = [
        harness.gunicorn("madoguchi", port=port, workers=2, database=DATABASE, wait="/healthz")
        for port in APP_PORTS
    ]
    proxy = harness.nginx(APP_PORTS, port=PROXY_PORT)
    stop = threading.Event()
    clients = [Client(stop) for _ in range(args.clients)]
    kills, restarts = 0, 0
    rng = random.Random(7)
    try:
        for client in clients:
            client.start()
        started = time.monotonic()
        restart_at = started + seconds / 2
        while (now := time.monotonic()) - started < seconds:
            time.sleep(rng.uniform(2.0, 4.0))
            if restarts == 0 and now >= restart_at:
                log("fault: restarting PostgreSQL")
                harness.pg_restart()
                restarts += 1
                continue
            server = rng.choice(servers)
            workers = server.worker_pids()
            if workers:
                victim = rng.choice(workers)
                os.kill(victim, 9)  # a worker of a gunicorn master this script started
                kills += 1
                log(f"fault: kill -9 worker {victim} of instance :{server.port}")
        elapsed = time.monotonic() - started
        stop.set()
        for client in clients:
            client.join(40)
    finally:
        stop.set()
        proxy.stop()
        for server in servers:
            server.stop()
    acknowledged = [n for c in clients for n in c.acknowledged]
    failed: dict[str, int] = {}
    for client in clients:
        for key, count in client.failed.items():
            failed[key] = failed.get(key, 0) + count
    result = check(acknowledged)
    lost = result["missing"] + result["altered"] + result["without_ledger_entry"]
    ok = (
        lost == 0
        and result["duplicates"] == 0
        and result["gaps"] == 0
        and result["ledger_duplicate_entries"] == 0
        and result["ledger_ok"]
    )
    summary = {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "acknowledged": len(acknowledged),
        "rps": len(acknowledged) / elapsed,
        "worker_kills": kills,
        "pg_restarts": restarts,
        "failed_requests": failed,
        "lost": lost,
        **result,
        "ok": ok,
    }
    print(json.dumps(summary))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
