"""Signature verifications per second: the bare RSA check, and the full offline verifier.

    DJANGO_SETTINGS_MODULE=madoguchi.settings.test .venv/bin/python bench/signature_bench.py

1. RSA-2048 PKCS#1 v1.5 SHA-256 verification of a submission document (a realistic
   canonical document of about 2 KB) against its SHA-256, as the signing flow does it
   (and, for comparison, hashing the document inside the verify call);
2. ``signatures.verify.verify_bundle``: hash, CMS parsing, the signature, and JPKI path
   validation with pyhanko-certvalidator against embedded CRLs (what receipts and
   auditors run).

No database: the test hierarchy and a demo card are generated in memory.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madoguchi.settings.test")
sys.path.append(os.path.join(os.path.dirname(__file__), "..", "src"))  # after PYTHONPATH

import django

django.setup()

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402

from madoguchi.signatures.evidence import SignedDocument, build_cms  # noqa: E402
from madoguchi.signatures.models import BUNDLE_FORMAT  # noqa: E402
from madoguchi.signatures.verify import (  # noqa: E402
    PREHASHED_SHA256,
    RSA_PADDING,
    verify_bundle,
)
from madoguchi.simulators.idp import pki  # noqa: E402
from madoguchi.simulators.idp.residents import get_resident  # noqa: E402
from madoguchi.submissions import document as canonical  # noqa: E402


def rate(label: str, action: Callable[[], object], *, seconds: float = 3.0) -> float:
    action()  # warm up
    count, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - started) < seconds:
        action()
        count += 1
    cpu = time.process_time() - cpu_started
    per_second = count / elapsed
    # CPU time too: on a shared, busy machine wall-clock rates understate one core's speed.
    print(f"{label}: {per_second:,.0f}/s wall, {count / cpu:,.0f}/s per CPU second ({count} runs)")
    return per_second


def build() -> dict[str, Any]:
    """A demo card's signed submission document, its evidence bundle and trust roots."""
    now = datetime.now(UTC)
    hierarchy = pki.build_test_pki(now - timedelta(days=1))
    card = pki.demo_card(hierarchy, get_resident("kaga-taro"))
    document = canonical.canonical_bytes(
        canonical.submission_document(
            municipality="172065",
            form="gentsuki-haisha",
            form_version=1,
            form_version_id=7,
            answers={
                "owner_name": "加賀 太郎",
                "owner_kana": "カガ タロウ",
                "postal_code": "922-0811",
                "address": "石川県加賀市大聖寺南町ニ41",
                "phone": "0761-72-1111",
                "plate_number": "加賀市 あ 12-34",
                "frame_number": "AF68-1234567",
                "reason": "scrapped",
                "reason_date": "2026-03-25",
                "notes": "廃車の理由の補足。" * 40,
            },
            attachments=[
                {"field": "photo", "name": "plate.jpg", "size": 204800, "sha256": "a" * 64}
            ],
            created_at=now,
        )
    )
    signature = card.signing_key.sign(document, padding.PKCS1v15(), hashes.SHA256())
    crls = pki.demo_crls(hierarchy, now=now - timedelta(minutes=5))
    signed = SignedDocument(
        document=document,
        created_at=now,
        signature=signature,
        certificate=card.signing_certificate,
        chain=[hierarchy.sign.certificate, hierarchy.root.certificate],
        crls=crls[:2],
        validation={"status": "valid", "checked_at": now.isoformat(), "path": []},
    )
    bundle = {
        "format": BUNDLE_FORMAT,
        "document_sha256": hashlib.sha256(document).hexdigest(),
        "cms": base64.b64encode(build_cms(signed)).decode(),
        "certificate": base64.b64encode(signed.certificate_der).decode(),
        "crls": [],  # the CRLs travel inside the CMS
        "validation": signed.validation,
    }
    public_key = card.signing_certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    return {
        "document": document,
        "signature": signature,
        "public_key": public_key,
        "bundle": bundle,
        "trust_roots": hierarchy.trust_roots,
        "cms_bytes": len(build_cms(signed)),
    }


def signed_bundle() -> tuple[dict[str, Any], bytes, list[Any]]:
    """(bundle, document, trust roots) for ``verify_bundle`` (bench/signed_wsgi.py)."""
    built = build()
    return built["bundle"], built["document"], built["trust_roots"]


def main() -> None:
    built = build()
    document, signature, public_key = built["document"], built["signature"], built["public_key"]
    bundle, trust_roots = built["bundle"], built["trust_roots"]
    print(f"document: {len(document)} bytes; CMS: {built['cms_bytes']} bytes")
    digest = hashlib.sha256(document).digest()
    # The signing flow hashes the document once (to compare it with what was signed) and
    # verifies the signature against that digest: the operation `openssl speed` times.
    rate(
        "RSA-2048 PKCS#1 v1.5 verify of the document's SHA-256",
        lambda: public_key.verify(signature, digest, RSA_PADDING, PREHASHED_SHA256),
    )
    rate(
        "the same, hashing the document as well",
        lambda: public_key.verify(signature, document, padding.PKCS1v15(), hashes.SHA256()),
    )
    rate(
        "verify_bundle (CMS + signature + path validation with CRLs)",
        lambda: verify_bundle(bundle, document=document, trust_roots=trust_roots),
    )


if __name__ == "__main__":
    main()
