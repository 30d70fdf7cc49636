"""How a sealed application shows on the internet node: the back office's detail, the
receipt PDF (which still verifies), exports, the integrity audit, the confirmation email."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from madoguchi.documents import seal
from madoguchi.documents import services as document_services
from madoguchi.documents.verify import verify_receipt
from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import services as export_services
from madoguchi.exports.services import ExportRequest
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import key_services
from madoguchi.ledger import checkpoint
from madoguchi.submissions import integrity, status_links
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.staff import LogIn

from .test_sealing import FILE_SCHEMA, register_keys, submit_with_file

pytestmark = pytest.mark.django_db

NAME = "封緘 表示子"
NOTE = "WOMBAT-NOTE-4410"


@pytest.fixture
def version(department: Department) -> FormVersion:
    register_keys(department)
    version = publish_form(department=department, slug="pages", schema=FILE_SCHEMA)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    return version


@pytest.fixture
def sealed(version: FormVersion, django_capture_on_commit_callbacks: Any) -> Submission:
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit_with_file(version, name=NAME, note=NOTE, file=pdf_bytes("scan"))
    return Submission.objects.get(pk=submission.pk)


def test_the_back_office_says_the_application_is_encrypted_with_its_receipt_and_hash(
    sealed: Submission, staff: StaffMember, log_in: LogIn
) -> None:
    browser = log_in(staff)
    browser.cookies.load({"django_language": "ja"})

    page = browser.get(
        reverse("backoffice:detail", args=[sealed.receipt_number]),
        headers={"accept-language": "ja"},
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "暗号化されています（LGWAN側で閲覧）" in text
    assert sealed.receipt_number in text and sealed.document_sha256 in text
    assert NAME not in text and NOTE not in text


def test_the_receipt_pdf_carries_no_answers_and_its_seal_and_ledger_proof_verify(
    sealed: Submission,
) -> None:
    pdf = document_services.receipt_pdf(sealed)

    report = verify_receipt(
        pdf,
        seal_roots=seal.seal_roots(),
        ledger_key_text=checkpoint.public_key_text(),
        jpki_roots=[],
    )

    assert report.ok, report.failures
    checks = {check.name: check.ok for check in report.checks}
    assert checks["ledger"] is True
    assert checks["document"] is None
    assert NOTE.encode() not in pdf


def test_an_export_of_the_form_puts_no_answers(sealed: Submission, staff: StaffMember) -> None:
    form = sealed.form_version.form

    job = export_services.start_export(
        staff=staff,
        request=ExportRequest(
            form=form, columns=export_selectors.default_columns(form), format="jsonl"
        ),
    )

    with job.file.open("rb") as handle:
        exported = handle.read().decode("utf-8")
    assert sealed.receipt_number in exported
    assert NOTE not in exported and NAME not in exported


def test_the_integrity_audit_checks_the_ledger_record_and_reports_nothing_changed(
    sealed: Submission,
) -> None:
    assert integrity.submission_problems(sealed, files=True) == []


def test_the_confirmation_email_gives_the_receipt_number_and_no_answers(
    sealed: Submission,
) -> None:
    [email] = mail.outbox

    assert sealed.receipt_number in email.subject
    assert NOTE not in email.body and NAME not in email.body


def test_the_residents_status_page_shows_the_receipt_and_status_of_a_sealed_application(
    sealed: Submission, client: Client
) -> None:
    token = status_links.issue(sealed)

    page = client.get(
        reverse("submissions:status", kwargs={"token": token}), headers={"accept-language": "ja"}
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert sealed.receipt_number in text
    assert NOTE not in text and NAME not in text
