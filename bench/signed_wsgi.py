"""Madoguchi's WSGI app plus a full offline signature verification per submission.

For ``submit_signed_rps``: driving the real signing flow (devidp login, PIN, signing
password) under load is not practical, so every POST to /api/v1/submissions/ first runs
``signatures.verify.verify_bundle`` (CMS parsing, RSA-2048 signature, JPKI path validation
with CRLs) on a realistic signed bundle in the worker, then the normal submission path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import signature_bench

from madoguchi.wsgi import application as madoguchi_application

_BUNDLE, _DOCUMENT, _ROOTS = signature_bench.signed_bundle()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(
        "/api/v1/submissions/"
    ):
        from madoguchi.signatures.verify import verify_bundle

        verify_bundle(_BUNDLE, document=_DOCUMENT, trust_roots=_ROOTS)
    return madoguchi_application(environ, start_response)
