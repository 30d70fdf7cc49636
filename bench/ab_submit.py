"""Before/after of a performance fix: the submission load test against src/ and a patched copy.

    .venv/bin/python bench/ab_submit.py /tmp/patched/src [/tmp/other/src ...] \
        [--seconds 10] [--reps 3]

Runs the unpatched (``src/``, or the first path after --before) and each patched copy
alternately (same database, workers and wrk settings as bench/run.py) and prints the
median req/s and p99 of each. The working tree is never modified: the patched copy is put
first on gunicorn's PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
from run import CONNECTIONS, MADOGUCHI_BODY, WORKERS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("src", nargs="+")
    parser.add_argument("--before", default="", help="a pristine copy of src/ (default: src/)")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    harness.pg_start()
    variants = {"before": args.before} | {f"after:{path}": path for path in args.src}
    results: dict[str, list[dict[str, float]]] = {label: [] for label in variants}
    post = {"body": MADOGUCHI_BODY, "content_type": "application/json"}
    url = "http://127.0.0.1:8131/api/v1/submissions/"
    for rep in range(args.reps):
        for label, path in variants.items():
            if path:
                os.environ["MADOGUCHI_BENCH_SRC"] = path
            else:
                os.environ.pop("MADOGUCHI_BENCH_SRC", None)
            server = harness.gunicorn(
                "madoguchi", port=8131, workers=WORKERS, database="madoguchi_bench", wait="/healthz"
            )
            try:
                harness.wrk(url, seconds=3, connections=CONNECTIONS, **post)
                pids = [server.master_pid()]
                cpu = harness.cpu_seconds(pids)
                run = harness.wrk(url, seconds=args.seconds, connections=CONNECTIONS, **post)
                cpu_ms = (harness.cpu_seconds(pids) - cpu) * 1000 / max(run["ok"], 1)
            finally:
                server.stop()
            results[label].append({"rps": run["rps"], "p99_ms": run["p99_ms"], "cpu_ms": cpu_ms})
            harness.log(
                f"{label} #{rep + 1}: {run['rps']:.0f} req/s p99 {run['p99_ms']:.1f} ms "
                f"app CPU {cpu_ms:.2f} ms/request"
            )
    summary = {
        label: {
            "rps_median": round(statistics.median(r["rps"] for r in runs), 1),
            "p99_median_ms": round(statistics.median(r["p99_ms"] for r in runs), 1),
            "cpu_ms_median": round(statistics.median(r["cpu_ms"] for r in runs), 2),
            "runs": runs,
        }
        for label, runs in results.items()
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
