"""Staff see and export attachments under safe names: the extension of the detected type.

Rows stored before names were cleaned at upload keep the resident's raw name (it is part
of their recorded document); the detail page, ZIP entries and the manifest still show the
safe one.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import services as export_services
from madoguchi.exports.services import ExportRequest
from madoguchi.forms.models import FormVersion
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import attach_file, submit_application
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

RAW_NAME = "領収書.pdf.hta"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_attachments_zip_names_entries_and_manifest_by_the_detected_type(
    staff: StaffMember, form_version: FormVersion
) -> None:
    submission = submit_application(form_version)
    attach_file(submission, RAW_NAME, pdf_bytes())
    columns = export_selectors.default_columns(form_version.form)

    job = export_services.start_export(
        staff=staff, request=ExportRequest(form=form_version.form, columns=columns, format="zip")
    )

    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as bundle:
        names = bundle.namelist()
        manifest = json.loads(bundle.read("manifest.json"))
        manifest_csv = bundle.read("manifest.csv").decode("utf-8")
        sums = bundle.read("SHA256SUMS").decode()
    assert f"{submission.receipt_number}/documents/領収書.pdf" in names
    assert [entry["name"] for entry in manifest] == ["領収書.pdf"]
    assert not [n for n in names if ".hta" in n]
    assert ".hta" not in manifest_csv + sums


def test_the_staff_detail_page_shows_the_safe_name(
    staff: StaffMember, form_version: FormVersion, log_in: Callable[[StaffMember], Client]
) -> None:
    submission = submit_application(form_version)
    attach_file(submission, RAW_NAME, pdf_bytes())

    page = log_in(staff).get(reverse("backoffice:detail", args=[submission.receipt_number]))

    assert "領収書.pdf (" in page.text
    assert ".hta" not in page.text
