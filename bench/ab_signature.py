"""CPU time of one ``verify_bundle``, for before/after of a fix in a patched copy of src/.

    .venv/bin/python bench/ab_signature.py                        # src/
    PYTHONPATH=/tmp/patched/src .venv/bin/python bench/ab_signature.py

Also checks that a tampered CMS container is still refused.
"""

from __future__ import annotations

import base64
import copy
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import signature_bench

from madoguchi.signatures import verify


def main() -> None:
    built = signature_bench.build()
    bundle, document, roots = built["bundle"], built["document"], built["trust_roots"]
    verify.verify_bundle(bundle, document=document, trust_roots=roots)
    tampered = copy.deepcopy(bundle)
    raw = bytearray(base64.b64decode(tampered["cms"]))
    raw[200] ^= 0xFF
    tampered["cms"] = base64.b64encode(bytes(raw)).decode()
    try:
        verify.verify_bundle(tampered, document=document, trust_roots=roots)
        sys.exit("FAIL: a tampered CMS was accepted")
    except verify.SignatureInvalid:
        pass
    samples = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(20):
            verify.verify_bundle(bundle, document=document, trust_roots=roots)
        samples.append((time.process_time() - started) / 20 * 1000)
    print(
        f"{verify.__file__}: verify_bundle {statistics.median(samples):.1f} ms CPU "
        f"(median of 5 × 20); tampered CMS refused"
    )


if __name__ == "__main__":
    main()
