"""``check --deploy`` refuses a server that could not check signatures."""

from __future__ import annotations

from pathlib import Path

from django.test import override_settings

from madoguchi.signatures.checks import jpki_trust_configured
from madoguchi.simulators.idp import authorities


def _ids(**overrides: object) -> list[str]:
    with override_settings(MADOGUCHI_DEVIDP_ENABLED=False, **overrides):
        return [message.id or "" for message in jpki_trust_configured()]


def test_missing_roots_and_crl_source_fail_the_deploy_check() -> None:
    assert _ids(MADOGUCHI_JPKI_TRUST_ROOTS=[], MADOGUCHI_JPKI_CRL_SOURCE="") == [
        "signatures.E001",
        "signatures.E003",
    ]


def test_unreadable_roots_and_an_unknown_crl_source_are_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate")

    ids = _ids(
        MADOGUCHI_JPKI_TRUST_ROOTS=[str(empty), str(tmp_path / "absent.pem")],
        MADOGUCHI_JPKI_CRL_SOURCE="madoguchi.signatures.revocation.no_such_source",
    )

    assert ids == ["signatures.E002", "signatures.E002", "signatures.E004"]


def test_readable_roots_and_a_named_crl_source_pass(tmp_path: Path, db: None) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    root = tmp_path / "root.pem"
    root.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in authorities.trust_roots()))

    ids = _ids(
        MADOGUCHI_JPKI_TRUST_ROOTS=[str(root)],
        MADOGUCHI_JPKI_CRL_SOURCE="madoguchi.signatures.revocation.default_crls",
    )

    assert ids == []
