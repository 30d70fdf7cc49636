"""Attachments and export files on S3-compatible object storage, set up as docs/deploy.md says.

The bucket is served by moto's S3 server on loopback: a real HTTP S3 API, so
django-storages and boto3 run exactly as they would against a city's object storage (the
one part of the deployment this machine cannot reach).
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from madoguchi.exports import selectors as export_selectors
from madoguchi.exports import services as export_services
from madoguchi.exports.services import ExportRequest
from madoguchi.forms.models import FormVersion
from madoguchi.settings.environment import default_storage
from madoguchi.submissions import integrity
from madoguchi.submissions import services as submission_services
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import attach_file, publish_form, submit_application
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

REGION = "ap-northeast-1"
FILE_SCHEMA = {
    "title": "保険証の写し",
    "steps": [
        {
            "key": "s",
            "title": "書類",
            "fields": [{"key": "card", "type": "file", "label": "保険証", "required": True}],
        }
    ],
}
KEYS = {"aws_access_key_id": "madoguchi-test", "aws_secret_access_key": "madoguchi-test"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> Iterator[tuple[Any, str]]:
    """A private bucket of its own, and the default storage set up from the environment
    variables of docs/deploy.md."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"madoguchi-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    storage = default_storage(
        {
            "MADOGUCHI_S3_BUCKET": name,
            "MADOGUCHI_S3_ENDPOINT": s3_endpoint,
            "MADOGUCHI_S3_REGION": REGION,
        }
    )
    # Credentials come from boto3's usual sources in production (environment, role).
    storage["OPTIONS"] |= {
        "access_key": KEYS["aws_access_key_id"],
        "secret_key": KEYS["aws_secret_access_key"],
    }
    settings.STORAGES = settings.STORAGES | {"default": storage}
    yield client, name


def _objects(client: Any, bucket: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listed
    }


def test_uploads_and_export_files_are_objects_in_the_bucket(
    bucket: tuple[Any, str], staff: StaffMember, form_version: FormVersion
) -> None:
    client, name = bucket
    submission = submit_application(form_version)
    attachment = attach_file(submission, "住民票.pdf", b"%PDF-1.7 resident record")

    job = export_services.start_export(
        staff=staff,
        request=ExportRequest(
            form=form_version.form,
            columns=export_selectors.default_columns(form_version.form),
            format="zip",
        ),
    )

    stored = _objects(client, name)
    assert stored[attachment.file.name] == b"%PDF-1.7 resident record"
    assert hashlib.sha256(stored[job.file.name]).hexdigest() == job.sha256
    with zipfile.ZipFile(io.BytesIO(stored[job.file.name])) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert [(m["name"], m["intact"]) for m in manifest] == [("住民票.pdf", True)]


def test_the_audit_rehashes_files_in_the_bucket_and_names_a_changed_object(
    bucket: tuple[Any, str], department: Department
) -> None:
    client, name = bucket
    # Uploaded and submitted the resident's way, so the file is in the recorded document
    # (the audit names a file attached to a submission behind its document's back).
    version = publish_form(department=department, slug="hoken", schema=FILE_SCHEMA)
    draft, _token = submission_services.start_draft(form_version=version, language="ja")
    upload = SimpleUploadedFile("保険証.pdf", pdf_bytes("insurance card"))
    assert submission_services.save_step(
        draft=draft, step_index=0, data={}, files={"card": upload}
    ).ok
    submission = submission_services.submit_draft(draft=draft)
    attachment = submission.attachments.get()
    assert integrity.submission_problems(submission, files=True) == []

    # Someone with access to the bucket replaces the object behind the application's back.
    client.put_object(Bucket=name, Key=attachment.file.name, Body=b"%PDF-1.7 forged")

    assert integrity.submission_problems(submission, files=True) == [
        "the attached file “保険証.pdf” was changed"
    ]
