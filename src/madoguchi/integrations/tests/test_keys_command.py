"""``madoguchi keys``: a department key made on the LGWAN node, registered on the internet
node, the escrow ceremony, rotation with rewrap, and recovery with the escrow key."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from madoguchi.integrations import key_services, sealing
from madoguchi.integrations.keyring import Keyring
from madoguchi.integrations.models import EncryptionKey, KeyPurpose
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

from .test_sealing import FILE_SCHEMA, submit_with_file

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery staple"


def keys(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def keyring_dir(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings.MADOGUCHI_KEYRING_DIR = str(tmp_path / "keyring")
    monkeypatch.setenv("MADOGUCHI_KEYRING_PASSPHRASE", "keyring passphrase of the node")
    monkeypatch.setenv("MADOGUCHI_ESCROW_PASSPHRASE", PASSPHRASE)
    return tmp_path / "keyring"


def _value(output: str, label: str) -> str:
    match = re.search(rf"^{label}\s+(\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_generate_register_escrow_then_rotate_and_rewrap(
    department: Department, keyring_dir: Path, tmp_path: Path
) -> None:
    city = department.municipality.lg_code
    generated = keys("generate", "--department", department.code)
    public, fingerprint = _value(generated, "public key"), _value(generated, "fingerprint")
    assert (keyring_dir / f"{fingerprint}.pem").stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in (keyring_dir / f"{fingerprint}.pem").read_bytes()

    registered = keys("register", "--department", department.code, "--municipality", city, public)
    escrow = keys("escrow", "--municipality", city, "--out", str(tmp_path / "escrow.pem"))

    assert fingerprint in registered
    assert "-----BEGIN ENCRYPTED PRIVATE KEY-----" in escrow
    assert EncryptionKey.objects.get(purpose=KeyPurpose.ESCROW).fingerprint == _value(
        escrow, "fingerprint"
    )
    version = publish_form(department=department, slug="k", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    old = submit_with_file(version, name="回転 前子", note="x", file=pdf_bytes())

    rotated = keys("generate", "--department", department.code)
    keys("register", "--department", department.code, _value(rotated, "public key"))
    moved = keys("rewrap", "--department", department.code)

    assert "re-wrapped 1 application(s)" in moved
    new_only = {
        fp: key
        for fp, key in Keyring.from_settings().private_keys.items()
        if fp == _value(rotated, "fingerprint")
    }
    opened = sealing.open_submission(Submission.objects.get(pk=old.pk), new_only)
    assert opened["answers"]["name"] == "回転 前子"
    listing = keys("list", "--municipality", city)
    assert "retired" in listing and "current" in listing


def test_recover_with_the_escrow_key_after_the_keyring_is_lost(
    department: Department, keyring_dir: Path, tmp_path: Path
) -> None:
    city = department.municipality.lg_code
    keys(
        "register",
        "--department",
        department.code,
        _value(keys("generate", "--department", department.code), "public key"),
    )
    keys("escrow", "--municipality", city, "--out", str(tmp_path / "escrow.pem"))
    version = publish_form(department=department, slug="r", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    lost = submit_with_file(version, name="復旧 待子", note="y", file=pdf_bytes())
    for pem in keyring_dir.glob("*.pem"):
        pem.unlink()  # the LGWAN node's disk is gone
    replacement = keys("generate", "--department", department.code)
    keys("register", "--department", department.code, _value(replacement, "public key"))

    recovered = keys(
        "recover", "--escrow", str(tmp_path / "escrow.pem"), "--department", department.code
    )

    assert "re-wrapped 1 application(s)" in recovered
    opened = sealing.open_submission(
        Submission.objects.get(pk=lost.pk), Keyring.from_settings().private_keys
    )
    assert opened["answers"]["name"] == "復旧 待子"


def test_recover_with_a_wrong_passphrase_says_so(
    department: Department, keyring_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys(
        "escrow",
        "--municipality",
        department.municipality.lg_code,
        "--out",
        str(tmp_path / "e.pem"),
    )
    monkeypatch.setenv("MADOGUCHI_ESCROW_PASSPHRASE", "not the passphrase at all")

    with pytest.raises(CommandError, match="passphrase does not open"):
        keys("recover", "--escrow", str(tmp_path / "e.pem"), "--department", department.code)


def test_a_pasted_key_that_is_not_a_key_is_refused_with_what_to_paste(
    department: Department,
) -> None:
    with translation.override("en"), pytest.raises(CommandError, match="not an X25519 public key"):
        keys("register", "--department", department.code, "hello")
