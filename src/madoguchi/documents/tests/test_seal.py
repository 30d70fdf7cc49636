from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import call_command
from django.test import override_settings

from madoguchi.documents import pdf, seal, services
from madoguchi.documents.apps import check_seal_settings
from madoguchi.documents.verify import verify_receipt
from madoguchi.submissions.models import Submission


def test_the_test_seal_survives_a_restart(submission: Submission) -> None:
    first = seal.seal_for(submission.municipality)

    again = seal.seal_for(submission.municipality)  # read back from the keys directory

    assert again.certificate == first.certificate
    assert again.chain == (seal.seal_roots()[0],)
    assert "公印" in again.certificate.subject.rfc4514_string()


def test_another_keys_directory_is_another_test_ca(tmp_path: Path, db: None) -> None:
    here = seal.seal_roots()

    with override_settings(MADOGUCHI_KEYS_DIR=tmp_path):
        there = seal.seal_roots()

    assert here != there
    assert (tmp_path / "seal-test-root.pem").exists()


def test_production_refuses_the_test_seal(submission: Submission) -> None:
    with override_settings(MADOGUCHI_TEST_SEAL_ALLOWED=False):
        errors = check_seal_settings()
        with pytest.raises(seal.SealUnavailable, match="MADOGUCHI_SEAL_DIR"):
            seal.seal_for(submission.municipality)

    assert [e.id for e in errors] == ["documents.E001", "documents.E002", "documents.E003"]


def _p12_hierarchy(tmp_path: Path, lg_code: str) -> Path:
    """A stand-in for the city's real seal: a CA of its own and a PKCS#12 with a passphrase."""
    now = datetime.now(UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example LGPKI-like CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "テスト市長 公印")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (tmp_path / f"{lg_code}.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal",
            key,
            certificate,
            [ca],
            serialization.BestAvailableEncryption(b"correct horse"),
        )
    )
    # What the city publishes: its seal CA and the TSA's root (here the local test TSA).
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca.public_bytes(serialization.Encoding.PEM) + seal.roots_pem())
    return roots


def test_a_city_seal_from_pkcs12_signs_receipts(submission: Submission, tmp_path: Path) -> None:
    roots = _p12_hierarchy(tmp_path, submission.municipality.lg_code)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")

    with override_settings(
        MADOGUCHI_SEAL_DIR=str(tmp_path),
        MADOGUCHI_SEAL_PASSPHRASE_FILE=str(passphrase),
        MADOGUCHI_SEAL_ROOTS=str(roots),
    ):
        receipt = services.build_receipt(submission)
        published = seal.seal_roots()

    report = verify_receipt(receipt, seal_roots=published, ledger_key_text=None, jpki_roots=[])
    assert report.ok, report.failures
    assert "テスト市長 公印" in report.sealed_by


def test_a_missing_pkcs12_names_the_file_to_provide(submission: Submission, tmp_path: Path) -> None:
    expected = f"{submission.municipality.lg_code}.p12"
    with (
        override_settings(MADOGUCHI_SEAL_DIR=str(tmp_path)),
        pytest.raises(seal.SealUnavailable, match=expected),
    ):
        seal.seal_for(submission.municipality)


def test_missing_fonts_name_the_debian_packages(settings: Any) -> None:
    settings.MADOGUCHI_PDF_FONTS = {"gothic": "/nonexistent/ipaexg.ttf"}

    with pytest.raises(pdf.FontsMissing, match="fonts-ipaexfont-gothic"):
        pdf.ensure_fonts()


def test_the_seal_root_command_prints_the_published_pem(db: None) -> None:
    out = io.StringIO()

    call_command("documents", "seal-root", stdout=out)

    assert out.getvalue().encode() == seal.roots_pem()
