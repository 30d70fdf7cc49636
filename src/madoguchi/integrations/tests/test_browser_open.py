"""Opening a sealed application in the browser with a local key: the key file
``madoguchi keys export`` writes (read back here with Python), and what the back office serves
the page (scoped like the detail page, recorded in the ledger without personal data)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import crypto, key_services, keyfile, sealing
from madoguchi.integrations.keyring import Keyring, private_pem
from madoguchi.integrations.models import KeyPurpose
from madoguchi.ledger.selectors import entries_about
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.staff import LogIn

from .test_sealing import FILE_SCHEMA, submit_with_file

pytestmark = pytest.mark.django_db

NEW_PASSPHRASE = "木曜日の鍵ファイル passphrase"
NAME = "鍵開 花子"
NOTE = "BROWSER-OPEN-NOTE-7781"


def keys(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def keyring(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Keyring:
    settings.MADOGUCHI_KEYRING_DIR = str(tmp_path / "keyring")
    monkeypatch.setenv("MADOGUCHI_KEYRING_PASSPHRASE", "keyring passphrase of the node")
    monkeypatch.setenv("KEY_FILE_PASSPHRASE", NEW_PASSPHRASE)
    return Keyring.from_settings()


@pytest.fixture
def department_key(department: Department, keyring: Keyring) -> str:
    """A department key in the keyring, registered with the city's escrow key."""
    private, public = crypto.generate_keypair()
    found = keyring.add(private)
    key_services.register_key(
        municipality=department.municipality,
        department=department,
        purpose=KeyPurpose.DEPARTMENT,
        public_key=crypto.b64encode(public),
    )
    key_services.register_key(
        municipality=department.municipality,
        purpose=KeyPurpose.ESCROW,
        public_key=crypto.b64encode(crypto.generate_keypair()[1]),
    )
    return found


@pytest.fixture
def sealed(
    department: Department, department_key: str, django_capture_on_commit_callbacks: Any
) -> Submission:
    version: FormVersion = publish_form(department=department, slug="open", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit_with_file(version, name=NAME, note=NOTE, file=pdf_bytes("card"))
    return Submission.objects.get(pk=submission.pk)


# --- madoguchi keys export ----------------------------------------------------------------


def test_export_writes_a_key_file_that_opens_with_the_new_passphrase_and_opens_the_application(
    sealed: Submission, department_key: str, tmp_path: Path
) -> None:
    out = tmp_path / "key.json"

    printed = keys(
        "export", "--fingerprint", department_key, "--out", str(out),
        "--passphrase-env", "KEY_FILE_PASSPHRASE",
    )  # fmt: skip

    assert department_key in printed and "passphrase apart" in printed
    assert out.stat().st_mode & 0o777 == 0o600
    document = json.loads(out.read_text())
    assert document["format"] == "madoguchi-key/v1"
    assert document["fingerprint"] == department_key
    assert document["purpose"] == KeyPurpose.DEPARTMENT
    assert document["kdf"]["name"] == "PBKDF2" and document["kdf"]["hash"] == "SHA-256"
    assert document["kdf"]["iterations"] >= 600_000
    assert len(crypto.b64decode(document["kdf"]["salt"])) == 16
    assert crypto.fingerprint(crypto.parse_public_key(document["public_key"])) == department_key
    assert "PRIVATE" not in out.read_text()
    opened = keyfile.load(out.read_text(), NEW_PASSPHRASE)
    assert opened.fingerprint == department_key
    content = sealing.open_submission(sealed, {opened.fingerprint: opened.private_key})
    assert content["answers"]["note"] == NOTE


def test_a_key_file_does_not_open_with_another_passphrase_or_when_changed(tmp_path: Path) -> None:
    private = crypto.generate_keypair()[0]
    document = keyfile.dump(private, NEW_PASSPHRASE)

    with pytest.raises(keyfile.KeyFileError, match="passphrase does not open"):
        keyfile.load(document, NEW_PASSPHRASE + "x")
    other = crypto.generate_keypair()[1]
    swapped = document | {"public_key": crypto.b64encode(other)}
    with pytest.raises(keyfile.KeyFileError, match="fingerprint does not name"):
        keyfile.load(swapped, NEW_PASSPHRASE)
    renamed = swapped | {"fingerprint": crypto.fingerprint(other)}
    with pytest.raises(keyfile.KeyFileError, match="passphrase does not open"):
        keyfile.load(renamed, NEW_PASSPHRASE)  # the AAD names the fingerprint
    with pytest.raises(keyfile.KeyFileError, match="not a madoguchi-key/v1"):
        keyfile.load('{"format": "pem"}', NEW_PASSPHRASE)
    with pytest.raises(keyfile.KeyFileError, match="at least 12"):
        keyfile.dump(private, "short")


def test_export_from_the_escrow_pem_checks_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = crypto.generate_keypair()
    pem = tmp_path / "escrow.pem"
    pem.write_bytes(private_pem(private, b"escrow sheet passphrase"))
    monkeypatch.setenv("MADOGUCHI_ESCROW_PASSPHRASE", "escrow sheet passphrase")
    monkeypatch.setenv("KEY_FILE_PASSPHRASE", NEW_PASSPHRASE)
    fingerprint = crypto.fingerprint(public)
    out = tmp_path / "escrow.json"

    with pytest.raises(CommandError, match="the PEM holds the key"):
        keys("export", "--pem", str(pem), "--fingerprint", "0" * 64, "--out", str(out))
    keys(
        "export", "--pem", str(pem), "--fingerprint", fingerprint, "--out", str(out),
        "--passphrase-env", "KEY_FILE_PASSPHRASE",
    )  # fmt: skip

    assert keyfile.load(out.read_text(), NEW_PASSPHRASE).private_key == private
    with pytest.raises(CommandError, match="exists"):
        keys(
            "export", "--pem", str(pem), "--fingerprint", fingerprint, "--out", str(out),
            "--passphrase-env", "KEY_FILE_PASSPHRASE",
        )  # fmt: skip


def test_export_asks_the_new_passphrase_twice_and_refuses_a_key_the_keyring_lacks(
    department_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([NEW_PASSPHRASE, NEW_PASSPHRASE + " typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out = tmp_path / "key.json"

    with pytest.raises(CommandError, match="passphrases differ"):
        keys("export", "--fingerprint", department_key, "--out", str(out))
    with pytest.raises(CommandError, match="holds no key"):
        keys("export", "--fingerprint", "f" * 64, "--out", str(out))
    assert not out.exists()

    answers = iter(["short", "short"])
    with pytest.raises(CommandError, match="at least 12"):
        keys("export", "--fingerprint", department_key, "--out", str(out))


# --- what the page fetches ------------------------------------------------------------------


def _views(submission: Submission) -> list[dict[str, Any]]:
    subject = events.submission_subject(submission.public_id)
    return [e.detail for e in entries_about([subject], [events.Event.STAFF_VIEWED])]


def test_the_payload_is_the_ciphertext_with_its_aad_and_questions_and_is_recorded(
    sealed: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    browser = log_in(staff)

    response = browser.get(reverse("integrations:sealed_payload", args=[sealed.receipt_number]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["content_aad"] == sealing.content_aad(sealed.public_id).decode()
    assert body["sealed"]["suite"] == crypto.SUITE
    assert {r["purpose"] for r in body["sealed"]["recipients"]} == {"department", "escrow"}
    [file] = body["files"]
    attachment = sealed.attachments.get()
    assert file["aad"] == sealing.file_aad(sealed.public_id, attachment.pk).decode()
    assert file["field_key"] == "card" and file["sha256"] == attachment.sha256
    labels = [f["label"] for f in body["steps"][0]["fields"]]
    assert labels == ["氏名", "事情", "メール", "保険証"]
    assert NAME not in response.text and NOTE not in response.text
    [view] = [d for d in _views(sealed) if d.get("part") == "sealed"]
    assert view == {"department": sealed.department.code, "role": staff.role, "part": "sealed"}

    ciphertext = browser.get(file["url"])

    assert ciphertext.status_code == 200
    assert ciphertext["Content-Type"] == "application/octet-stream"
    with attachment.file.open("rb") as stored:
        assert b"".join(ciphertext.streaming_content) == stored.read()  # type: ignore[attr-defined]
    assert [d.get("part") for d in _views(sealed)][-1] == "attachment"


def test_the_payload_carries_a_resent_sealed_correction_that_opens_with_the_key(
    sealed: Submission,
    staff: StaffMember,
    department_key: str,
    keyring: Keyring,
    log_in: LogIn,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _correction, token = workflow.return_for_correction(
        submission=sealed, staff=staff, reason="事情を詳しく", fields=["note"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("submissions:correction", args=[token]), {"note": "訂正 OTTER-31"})

    body = (
        log_in(staff)
        .get(reverse("integrations:sealed_payload", args=[sealed.receipt_number]))
        .json()
    )

    [correction] = body["corrections"]
    assert (
        correction["content_aad"]
        == sealing.correction_aad(sealed.public_id, correction["id"]).decode()
    )
    assert correction["files"] == [] and "files" not in correction["sealed"]
    assert "OTTER" not in json.dumps(body, ensure_ascii=False)
    opened = sealing.open_correction_payload(
        correction, {department_key: keyring.private_keys[department_key]},
        public_id=sealed.public_id,
    )  # fmt: skip
    assert opened["answers"] == {"note": "訂正 OTTER-31"}


def test_another_department_and_an_unsealed_application_get_404(
    sealed: Submission, department: Department, log_in: LogIn
) -> None:
    other: Department = DepartmentFactory(municipality=department.municipality)  # type: ignore[assignment]
    outsider: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, departments=[other]
    )
    browser = log_in(outsider)
    attachment = sealed.attachments.get()

    payload = browser.get(reverse("integrations:sealed_payload", args=[sealed.receipt_number]))
    file = browser.get(
        reverse("integrations:sealed_file", args=[sealed.receipt_number, attachment.pk])
    )

    assert payload.status_code == 404 and file.status_code == 404
    assert _views(sealed) == []
    clear_version = publish_form(department=other, slug="clear", schema=FILE_SCHEMA)
    clear = submit_with_file(clear_version, name="平文", note="x", file=pdf_bytes())
    assert (
        browser.get(reverse("integrations:sealed_payload", args=[clear.receipt_number])).status_code
        == 404
    )


def test_the_detail_page_of_a_sealed_application_offers_opening_it_here(
    sealed: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    browser = log_in(staff)
    browser.cookies.load({"django_language": "ja"})

    page = browser.get(
        reverse("backoffice:detail", args=[sealed.receipt_number]),
        headers={"accept-language": "ja"},
    ).text

    assert "この端末の鍵で開く" in page
    assert "JavaScriptが必要" in page
    assert 'type="module" src="/static/madoguchi/browser-open.js"' in page
    assert reverse("integrations:sealed_payload", args=[sealed.receipt_number]) in page
    assert "サーバーには送られません" in page
