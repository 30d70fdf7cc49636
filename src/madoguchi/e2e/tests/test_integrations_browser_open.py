"""A staff member opens an encrypted application in a real browser with a key file on their
device: a wrong passphrase and another key's file are refused in Japanese (naming the
fingerprints), the right one shows the answers (with the applicant's sealed correction over
them) and gives back the attached file byte for byte, with nothing but reads sent to the server;
changed ciphertext is refused;
the page keeps its Content-Security-Policy, passes axe, and without JavaScript says what to do."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from madoguchi.e2e.tests.conftest import assert_accessible
from madoguchi.e2e.tests.test_mail_intake import log_in
from madoguchi.integrations import crypto, key_services
from madoguchi.integrations.keyring import Keyring
from madoguchi.integrations.models import KeyPurpose, SealedSubmission
from madoguchi.integrations.tests.test_sealing import FILE_SCHEMA, submit_with_file
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.browser

PASSPHRASE = "端末の鍵のパスフレーズ 2026"
NAME = "鍵開 花子"
NOTE = "ブラウザーで読む事情 BROWSER-7781"
CORRECTED = "訂正した事情 CORRECTED-5521"


def _export(fingerprint: str, out: Path) -> Path:
    call_command(
        "keys", "export", "--fingerprint", fingerprint, "--out", str(out),
        "--passphrase-env", "KEY_FILE_PASSPHRASE", stdout=io.StringIO(),
    )  # fmt: skip
    return out


def _csp_violations(page: Any) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def test_staff_open_a_sealed_application_with_their_key_file_in_the_browser(
    transactional_db: None,
    live_server: Any,
    browser: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.MADOGUCHI_KEYRING_DIR = str(tmp_path / "keyring")
    monkeypatch.setenv("MADOGUCHI_KEYRING_PASSPHRASE", "keyring passphrase of the node")
    monkeypatch.setenv("KEY_FILE_PASSPHRASE", PASSPHRASE)
    department: Department = DepartmentFactory(name="子育て支援課")  # type: ignore[assignment]
    staff: StaffMember = StaffFactory(  # type: ignore[assignment]
        municipality=department.municipality, departments=[department]
    )
    keyring = Keyring.from_settings()
    fingerprints = {}
    for purpose in (KeyPurpose.DEPARTMENT, KeyPurpose.ESCROW):
        private, public = crypto.generate_keypair()
        fingerprints[purpose] = keyring.add(private)
        key_services.register_key(
            municipality=department.municipality,
            department=department,
            purpose=purpose,
            public_key=crypto.b64encode(public),
        )
    stranger = keyring.add(crypto.generate_keypair()[0])  # a key no application is sealed to
    version = publish_form(department=department, slug="browser-open", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    scan = pdf_bytes("health insurance card of Hanako")
    submission = submit_with_file(version, name=NAME, note=NOTE, file=scan)
    assert Submission.objects.get(pk=submission.pk).answers == {}
    _correction, token = workflow.return_for_correction(
        submission=submission, staff=staff, reason="事情を詳しく書いてください", fields=["note"]
    )
    resent = Client().post(reverse("submissions:correction", args=[token]), {"note": CORRECTED})
    assert resent.status_code == 302
    assert Submission.objects.get(pk=submission.pk).answers == {}
    key_file = _export(fingerprints[KeyPurpose.DEPARTMENT], tmp_path / "department.json")
    wrong_file = _export(stranger, tmp_path / "stranger.json")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    refused = _csp_violations(page)
    base = live_server.url
    log_in(page, base, staff)
    page.goto(f"{base}/staff/submissions/{submission.receipt_number}/")
    section = page.get_by_test_id("browser-open")
    expect(section.get_by_role("heading", level=2)).to_have_text("この端末の鍵で開く")
    expect(section).to_contain_text("サーバーには送られません")
    expect(section.get_by_text("JavaScriptが必要")).to_be_hidden()
    assert_accessible(page, name="sealed application, key form")

    page.get_by_label("鍵ファイル", exact=True).set_input_files(str(key_file))
    page.get_by_label("鍵ファイルのパスフレーズ").fill("違うパスフレーズ")
    page.get_by_role("button", name="このブラウザーで復号する").click()
    passphrase_error = page.locator("#browser-open-passphrase-error")
    expect(passphrase_error).to_contain_text("パスフレーズが違うため")
    expect(page.get_by_label("鍵ファイルのパスフレーズ")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("鍵ファイルのパスフレーズ")).to_have_value("違うパスフレーズ")
    assert_accessible(page, name="wrong passphrase")

    page.get_by_label("鍵ファイル", exact=True).set_input_files(str(wrong_file))
    page.get_by_label("鍵ファイルのパスフレーズ").fill(PASSPHRASE)
    page.get_by_role("button", name="このブラウザーで復号する").click()
    file_error = page.locator("#browser-open-file-error")
    expect(file_error).to_contain_text("この鍵ファイルではこの申請を開けません")
    expect(file_error).to_contain_text(stranger)
    expect(file_error).to_contain_text(fingerprints[KeyPurpose.DEPARTMENT])
    expect(file_error).to_contain_text(fingerprints[KeyPurpose.ESCROW])
    expect(passphrase_error).to_be_hidden()

    page.get_by_label("鍵ファイル", exact=True).set_input_files(str(key_file))
    sent: list[str] = []
    page.on("request", lambda request: sent.append(f"{request.method} {request.url}"))
    page.get_by_role("button", name="このブラウザーで復号する").click()
    result = page.get_by_test_id("browser-open-result")
    expect(result).to_contain_text(CORRECTED)  # the answers as they stand after the correction
    expect(result).not_to_contain_text(NOTE)
    expect(result.get_by_test_id("browser-open-correction")).to_contain_text(CORRECTED)
    expect(result).to_contain_text("差し戻しの後に申請者が送信した訂正を反映")
    expect(result).to_contain_text(NAME)
    expect(result).to_contain_text(fingerprints[KeyPurpose.DEPARTMENT])
    expect(result.get_by_role("term").filter(has_text="事情").first).to_be_visible()
    expect(file_error).to_be_hidden()
    assert_accessible(page, name="sealed application opened in the browser")

    with page.expect_download() as download_info:
        result.get_by_role("link", name="保険証.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "保険証.pdf"
    assert Path(download.path()).read_bytes() == scan

    result.get_by_role("button", name="復号した内容を消す").click()
    expect(result).to_be_hidden()
    expect(page.get_by_test_id("browser-open-status")).to_have_text(
        "復号した内容をこのページから消しました。"
    )
    assert NOTE not in page.content()
    # Only reads went to the server: the payload, the file's ciphertext, the HPKE modules.
    assert sent and all(line.startswith("GET ") for line in sent), sent
    assert {line.split("/static/")[0] for line in sent if "/static/" not in line} == {
        f"GET {base}/staff/integrations/sealed/{submission.receipt_number}/",
        f"GET {base}/staff/integrations/sealed/{submission.receipt_number}/files/"
        f"{submission.attachments.get().pk}/",
    }

    row = SealedSubmission.objects.get(submission=submission)
    changed = bytearray(row.ciphertext)
    changed[20] ^= 1
    SealedSubmission.objects.filter(pk=row.pk).update(ciphertext=bytes(changed))
    page.get_by_role("button", name="このブラウザーで復号する").click()
    expect(page.get_by_test_id("browser-open-error")).to_contain_text(
        "暗号化されたデータを検証できません"
    )
    expect(result).to_be_hidden()
    session = context.storage_state()  # a second login would reuse the one-time code
    context.close()
    assert not refused, f"Content-Security-Policy refused: {refused}"

    no_js = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="ja-JP",
        java_script_enabled=False,
        storage_state=session,
    )
    page = no_js.new_page()
    page.goto(f"{base}/staff/submissions/{submission.receipt_number}/")
    section = page.get_by_test_id("browser-open")
    expect(section).to_contain_text("JavaScriptが必要")
    expect(section).to_contain_text("LGWAN側ノードで申請を閲覧してください")
    expect(page.get_by_test_id("browser-open-form")).to_be_hidden()
    no_js.close()
