"""The decryption example of docs/integration.md works on a real sealed application and on a
resent correction of one, with only the ``cryptography`` package (what a vendor's system has,
not Madoguchi)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from madoguchi.integrations import sealing
from madoguchi.integrations.models import EncryptionKey, KeyPurpose
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

from .test_sealing import FILE_SCHEMA, register_keys, submit_with_file

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[4] / "docs" / "integration.md"


def _example() -> str:
    section = DOC.read_text(encoding="utf-8").split("## エンドツーエンド暗号化")[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code, "the encryption section has a Python example"
    # Everything but the lines that read a key file of the reader's machine.
    return code.group(1).split("\nwith open(")[0]


def test_the_documented_python_example_opens_a_sealed_application(department: Department) -> None:
    from madoguchi.integrations import key_services

    private = register_keys(department)
    version = publish_form(department=department, slug="doc", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    scan = pdf_bytes("documented")
    submission = submit_with_file(version, name="文書 例子", note="docs", file=scan)
    stored = Submission.objects.get(pk=submission.pk)
    attachment = stored.attachments.get()
    with attachment.file.open("rb") as file:
        encrypted = file.read()
    application = {"id": str(stored.public_id), "sealed": sealing.sealed_payload(stored)}
    fingerprint = EncryptionKey.objects.get(purpose=KeyPurpose.DEPARTMENT).fingerprint
    namespace: dict[str, Any] = {}

    exec(_example(), namespace)  # noqa: S102 (our own documentation's code)
    opened = namespace["open_application"](
        application,
        X25519PrivateKey.from_private_bytes(private[fingerprint]),
        {attachment.pk: encrypted},
    )

    assert opened["answers"]["name"] == "文書 例子"
    assert hashlib.sha256(opened["document"].encode()).hexdigest() == stored.document_sha256
    assert opened["attachments"] == {str(attachment.pk): scan}


def test_the_documented_python_example_opens_a_resent_correction(
    department: Department, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    from madoguchi.integrations import key_services

    private = register_keys(department)
    version = publish_form(department=department, slug="doc", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit_with_file(version, name="文書 例子", note="docs", file=pdf_bytes("a"))
    correction, token = workflow.return_for_correction(
        submission=submission, staff=staff, reason="画像が不鮮明です", fields=["card"]
    )
    scan = pdf_bytes("the new card")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            reverse("submissions:correction", args=[token]),
            {"card": SimpleUploadedFile("新しい保険証.pdf", scan, content_type="application/pdf")},
        )
    stored = Submission.objects.get(pk=submission.pk)
    attachment = stored.attachments.get()
    with attachment.file.open("rb") as file:
        encrypted = file.read()
    item = {"id": correction.pk, "sealed": sealing.sealed_correction_payload(correction)}
    fingerprint = EncryptionKey.objects.get(purpose=KeyPurpose.DEPARTMENT).fingerprint
    namespace: dict[str, Any] = {}

    exec(_example(), namespace)  # noqa: S102 (our own documentation's code)
    opened = namespace["open_correction"](
        {"id": str(stored.public_id)},
        item,
        X25519PrivateKey.from_private_bytes(private[fingerprint]),
        {attachment.pk: encrypted},
    )

    assert opened["answers"]["card"][0]["sha256"] == attachment.sha256
    assert opened["files"][str(attachment.pk)]["name"] == "新しい保険証.pdf"
    assert opened["attachments"] == {str(attachment.pk): scan}
