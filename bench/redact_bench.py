"""Log redaction cost against the length of the line, beside a linear baseline (no database).

    DJANGO_SETTINGS_MODULE=madoguchi.settings.test .venv/bin/python bench/redact_bench.py

A 60 kB URL once took 8.6 s to redact because the e-mail pattern was quadratic. For each
piece that has tripped a pattern, a line of ~25 kB and one eight times longer are redacted,
best of five, alternating so a busy moment hits both. A linear redaction costs about eight
times as much for eight times the input, a quadratic one sixty-four times. The baseline, run
side by side on the same lines, is one linear regex scan (``re.findall`` of a character
class), so the figure reads as "our growth ÷ a linear scan's growth".
Prints one JSON line last.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
sys.path.append(os.path.join(os.path.dirname(__file__), "..", "src"))  # after PYTHONPATH

import django

django.setup()

from madoguchi.core.logging import redact  # noqa: E402

TOKEN = "Zq3vY8kLm2Np5Rt7Wx9Ab4Cd6Ef1Gh0J"  # noqa: S105 (a made-up URL token)
PIECES = ["a", "a.", "a@", "a@a-", "0", "0-", "+81", "/apply/", "%2Fcorrect", "?q=", "&code"]
PIECES.append("x" + TOKEN)
_LINEAR = re.compile(r"[@/?&%]")


def _growth(work: Callable[[str], object], text: str) -> float:
    best = [float("inf"), float("inf")]
    for _ in range(5):
        for i, line in enumerate((text, text * 8)):
            start = time.perf_counter()
            work(line)
            best[i] = min(best[i], time.perf_counter() - start)
    return best[1] / max(best[0], 1e-9)


def main() -> None:
    rows = {}
    for piece in PIECES:
        text = piece * (25_000 // len(piece))
        ours = _growth(redact, text)
        baseline = _growth(_LINEAR.findall, text)
        rows[piece] = {"redact_growth": round(ours, 2), "linear_scan_growth": round(baseline, 2)}
        print(f"{piece!r:>40}: redact x{ours:5.1f}, linear scan x{baseline:5.1f}", flush=True)
    worst = max(rows.values(), key=lambda row: row["redact_growth"])
    print(
        json.dumps(
            {
                "pieces": rows,
                "worst_growth": worst["redact_growth"],
                "worst_ratio_to_linear": round(
                    worst["redact_growth"] / max(worst["linear_scan_growth"], 1e-9), 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
