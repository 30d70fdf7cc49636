"""Sealing on submission (integrations.sealing): what the internet node keeps, and opening it
on the LGWAN node with the department's key or the city's escrow key."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import crypto, key_services, sealing
from madoguchi.integrations.models import EncryptionKey, KeyPurpose, SealedSubmission
from madoguchi.submissions import services as submission_services
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

FILE_SCHEMA: dict[str, Any] = {
    "title": {"ja": "児童扶養手当の申請", "en": "Child allowance"},
    "applicant_name_field": "name",
    "steps": [
        {
            "key": "s",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {"key": "note", "type": "text", "label": "事情", "required": True},
                {"key": "email", "type": "email", "label": "メール", "confirmation": True},
                {"key": "card", "type": "file", "label": "保険証", "required": True},
            ],
        }
    ],
}


def register_keys(department: Department) -> dict[str, bytes]:
    """A department key and the city's escrow key; the private keys by fingerprint."""
    private: dict[str, bytes] = {}
    for purpose in (KeyPurpose.DEPARTMENT, KeyPurpose.ESCROW):
        secret, public = crypto.generate_keypair()
        key_services.register_key(
            municipality=department.municipality,
            department=department,
            purpose=purpose,
            public_key=crypto.b64encode(public),
        )
        private[crypto.fingerprint(public)] = secret
    return private


def submit_with_file(
    version: FormVersion, *, name: str, note: str, file: bytes, filename: str = "保険証.pdf"
) -> Submission:
    draft, _token = submission_services.start_draft(form_version=version, language="ja")
    result = submission_services.save_step(
        draft=draft,
        step_index=0,
        data={"name": name, "note": note, "email": "resident@example.jp"},
        files={"card": SimpleUploadedFile(filename, file, content_type="application/pdf")},
    )
    assert result.ok, result
    return submission_services.submit_draft(draft=draft)


@pytest.fixture
def sealed_form(department: Department) -> tuple[FormVersion, dict[str, bytes]]:
    version = publish_form(department=department, slug="jido", schema=FILE_SCHEMA)
    private = register_keys(department)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    return version, private


def _only(private: dict[str, bytes], purpose: str) -> dict[str, bytes]:
    fingerprints = set(
        EncryptionKey.objects.filter(purpose=purpose).values_list("fingerprint", flat=True)
    )
    return {fp: key for fp, key in private.items() if fp in fingerprints}


def test_a_sealed_application_keeps_receipt_status_and_hashes_but_no_answers(
    sealed_form: tuple[FormVersion, dict[str, bytes]], django_capture_on_commit_callbacks: Any
) -> None:
    version, private = sealed_form
    scan = pdf_bytes("insurance card of Hanako")

    with django_capture_on_commit_callbacks(execute=True):
        submission = submit_with_file(version, name="封緘 花子", note="秘密の事情", file=scan)

    stored = Submission.objects.get(pk=submission.pk)
    assert stored.answers == {} and stored.document == "" and stored.applicant_name == ""
    assert stored.receipt_number and stored.status == Status.RECEIVED
    assert len(stored.document_sha256) == 64
    attachment = stored.attachments.get()
    assert attachment.sha256 == hashlib.sha256(scan).hexdigest()
    with attachment.file.open("rb") as file:
        assert file.read() != scan
    assert sealing.is_sealed(stored)
    payload = sealing.sealed_payload(stored)
    assert payload is not None
    assert {r["purpose"] for r in payload["recipients"]} == {"department", "escrow"}

    opened = sealing.open_submission(stored, _only(private, KeyPurpose.DEPARTMENT))

    assert opened["answers"]["name"] == "封緘 花子"
    assert opened["applicant_name"] == "封緘 花子"
    assert hashlib.sha256(opened["document"].encode()).hexdigest() == stored.document_sha256
    assert opened["attachments"] == {str(attachment.pk): scan}
    assert opened["files"][str(attachment.pk)]["name"] == "保険証.pdf"


def test_a_form_without_the_policy_is_kept_in_clear(department: Department) -> None:
    register_keys(department)
    version = publish_form(department=department, slug="clear", schema=FILE_SCHEMA)

    submission = submit_with_file(version, name="平文 太郎", note="公開", file=pdf_bytes())

    assert not sealing.is_sealed(submission)
    assert Submission.objects.get(pk=submission.pk).answers["name"] == "平文 太郎"
    assert sealing.sealed_payload(submission) is None


def test_the_city_policy_applies_to_every_form_and_a_forms_own_policy_wins(
    department: Department,
) -> None:
    register_keys(department)
    sealed = publish_form(department=department, slug="a", schema=FILE_SCHEMA)
    opted_out = publish_form(department=department, slug="b", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, enabled=True)
    key_services.set_policy(
        municipality=department.municipality, form=opted_out.form, enabled=False
    )

    first = submit_with_file(sealed, name="一", note="x", file=pdf_bytes())
    second = submit_with_file(opted_out, name="二", note="y", file=pdf_bytes())

    assert sealing.is_sealed(first)
    assert not sealing.is_sealed(second)


def test_sealing_refuses_to_turn_on_without_an_escrow_key_and_a_department_key(
    department: Department,
) -> None:
    version = publish_form(department=department, slug="k", schema=FILE_SCHEMA)
    city = department.municipality

    with pytest.raises(key_services.KeyProblem, match="escrow"):
        key_services.set_policy(municipality=city, form=version.form, enabled=True)
    _secret, public = crypto.generate_keypair()
    key_services.register_key(
        municipality=city, purpose=KeyPurpose.ESCROW, public_key=crypto.b64encode(public)
    )
    with pytest.raises(key_services.KeyProblem, match=department.name):
        key_services.set_policy(municipality=city, enabled=True)


def test_rotation_keeps_old_applications_readable_and_rewrap_moves_them_to_the_new_key(
    sealed_form: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, private = sealed_form
    department = version.form.department
    old_key = _only(private, KeyPurpose.DEPARTMENT)
    before = submit_with_file(version, name="旧鍵 一郎", note="a", file=pdf_bytes("old"))
    new_secret, new_public = crypto.generate_keypair()
    key_services.register_key(
        municipality=department.municipality,
        department=department,
        purpose=KeyPurpose.DEPARTMENT,
        public_key=crypto.b64encode(new_public),
    )
    new_key = {crypto.fingerprint(new_public): new_secret}

    after = submit_with_file(version, name="新鍵 二郎", note="b", file=pdf_bytes("new"))

    assert sealing.open_submission(before, old_key)["answers"]["name"] == "旧鍵 一郎"
    assert sealing.open_submission(after, new_key)["answers"]["name"] == "新鍵 二郎"
    with pytest.raises(crypto.WrongKey):
        sealing.open_submission(after, old_key)
    with pytest.raises(crypto.WrongKey):
        sealing.open_submission(before, new_key)

    result = key_services.rewrap(department=department, private_keys=old_key | new_key)

    assert result.rewrapped == 1 and result.skipped == []
    reopened = sealing.open_submission(Submission.objects.get(pk=before.pk), new_key)
    assert reopened["answers"]["name"] == "旧鍵 一郎"
    assert reopened["attachments"]


def test_the_escrow_key_recovers_applications_after_the_department_key_is_lost(
    sealed_form: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, private = sealed_form
    department = version.form.department
    escrow = _only(private, KeyPurpose.ESCROW)
    lost = submit_with_file(version, name="紛失 三郎", note="c", file=pdf_bytes("lost"))
    replacement_secret, replacement_public = crypto.generate_keypair()
    key_services.register_key(
        municipality=department.municipality,
        department=department,
        purpose=KeyPurpose.DEPARTMENT,
        public_key=crypto.b64encode(replacement_public),
    )

    result = key_services.rewrap(department=department, private_keys=escrow)

    assert result.rewrapped == 1
    replacement = {crypto.fingerprint(replacement_public): replacement_secret}
    opened = sealing.open_submission(Submission.objects.get(pk=lost.pk), replacement)
    assert opened["answers"]["note"] == "c"
    row = SealedSubmission.objects.get(submission=lost)
    assert {r["fingerprint"] for r in row.recipients} == {
        crypto.fingerprint(replacement_public),
        *escrow,
    }


def test_a_department_without_a_current_key_refuses_the_application_rather_than_store_it(
    sealed_form: tuple[FormVersion, dict[str, bytes]],
) -> None:
    version, _private = sealed_form
    EncryptionKey.objects.filter(purpose=KeyPurpose.DEPARTMENT).delete()

    with pytest.raises(sealing.EncryptionUnavailable):
        submit_with_file(version, name="鍵無 五郎", note="e", file=pdf_bytes())

    assert not Submission.objects.exists()
