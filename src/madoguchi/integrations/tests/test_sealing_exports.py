"""Exports of a form whose applications are sealed (end-to-end encryption): the attachments
ZIP lists a sealed file in its manifest and leaves its ciphertext out; a CSV row keeps the
receipt number, status and dates and has empty answers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from typing import Any

import pytest

from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import services as export_services
from madoguchi.exports.models import ExportJob, JobStatus
from madoguchi.exports.services import ExportRequest
from madoguchi.exports.writers.archive import ENCRYPTED_NOTE
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import key_services, sealing
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import publish_form
from madoguchi.testing.files import pdf_bytes

from .test_sealing import FILE_SCHEMA, register_keys, submit_with_file

pytestmark = pytest.mark.django_db


def export(staff: StaffMember, version: FormVersion, **options: Any) -> ExportJob:
    columns = export_selectors.default_columns(version.form)
    return export_services.start_export(
        staff=staff, request=ExportRequest(form=version.form, columns=columns, **options)
    )


@pytest.fixture
def half_sealed(department: Department) -> tuple[FormVersion, Any, Any, bytes, bytes]:
    """One application sent in clear, then encryption turned on and one sent sealed."""
    register_keys(department)
    version = publish_form(department=department, slug="half", schema=FILE_SCHEMA)
    clear_file, sealed_file = pdf_bytes("OKAPI clear card"), pdf_bytes("ZEBRA sealed card")
    clear = submit_with_file(version, name="公開 太郎", note="OKAPI-NOTE", file=clear_file)
    key_services.set_policy(municipality=department.municipality, form=version.form, enabled=True)
    sealed = submit_with_file(version, name="秘匿 花子", note="ZEBRA-NOTE", file=sealed_file)
    assert sealing.is_sealed(sealed) and not sealing.is_sealed(clear)
    return version, clear, sealed, clear_file, sealed_file


def test_the_zip_lists_a_sealed_file_as_encrypted_and_leaves_its_ciphertext_out(
    staff: StaffMember, half_sealed: tuple[FormVersion, Any, Any, bytes, bytes]
) -> None:
    version, clear, sealed, _clear_file, sealed_file = half_sealed

    job = export(staff, version, format="zip")

    assert job.status == JobStatus.DONE
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as bundle:
        names = bundle.namelist()
        manifest = {m["receipt_number"]: m for m in json.loads(bundle.read("manifest.json"))}
        manifest_csv = list(csv.DictReader(io.StringIO(bundle.read("manifest.csv").decode())))
        sums = bundle.read("SHA256SUMS").decode()
        contents = [bundle.read(name) for name in names]
    opened = manifest[clear.receipt_number]
    assert opened["path"] in names and opened["intact"] is True and opened["note"] == ""
    left_out = manifest[sealed.receipt_number]
    assert left_out["path"] is None and left_out["intact"] is None
    assert left_out["note"] == str(ENCRYPTED_NOTE)
    # What the file will be once opened on the LGWAN side: its SHA-256 and size at upload.
    assert left_out["sha256"] == hashlib.sha256(sealed_file).hexdigest()
    assert left_out["size"] == len(sealed_file)
    assert not any(name.startswith(sealed.receipt_number) for name in names)
    assert sealed.receipt_number not in sums
    row = next(r for r in manifest_csv if r["receipt_number"] == sealed.receipt_number)
    assert row["path"] == "" and row["intact"] == "" and "LGWAN" in row["note"]
    assert not any(sealed_file in content for content in contents)


def test_a_csv_row_of_a_sealed_application_has_its_receipt_number_and_empty_answers(
    staff: StaffMember, half_sealed: tuple[FormVersion, Any, Any, bytes, bytes]
) -> None:
    version, clear, sealed, _clear_file, _sealed_file = half_sealed

    job = export(staff, version)

    with job.file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"), newline="")))
    by_receipt = {row[0]: row for row in rows[1:]}
    assert "公開 太郎" in by_receipt[clear.receipt_number]
    sealed_row = by_receipt[sealed.receipt_number]
    assert sealed_row[1] and sealed_row[2]  # received at, status
    assert all(cell == "" for cell in sealed_row[4:])
    assert "秘匿" not in "".join(sealed_row)
