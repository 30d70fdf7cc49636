"""File drops into an S3 bucket (moto's S3 server on loopback: a real HTTP S3 API, so
django-storages and boto3 run as they would against the city's object storage)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from madoguchi.forms.models import FormVersion
from madoguchi.integrations import filedrop
from madoguchi.integrations.models import FileDrop, FileDropItem, FileDropRun
from madoguchi.testing.factories import attach_file, submit_application

pytestmark = pytest.mark.django_db

REGION = "ap-northeast-1"
KEYS = {"aws_access_key_id": "madoguchi-test", "aws_secret_access_key": "madoguchi-test"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> tuple[Any, str]:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **KEYS)
    name = f"intake-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.MADOGUCHI_FILEDROP_S3_OPTIONS = {
        "endpoint_url": s3_endpoint,
        "region_name": REGION,
        "access_key": KEYS["aws_access_key_id"],
        "secret_key": KEYS["aws_secret_access_key"],
    }
    return client, name


def objects(client: Any, bucket: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listed
    }


def drop_to(form_version: FormVersion, target: str) -> FileDrop:
    form = form_version.form
    return FileDrop.objects.create(
        municipality=form.municipality, department=form.department, form=form, target=target
    )


def test_a_batch_is_uploaded_under_the_prefix_with_done_last_and_its_sums_hold(
    form_version: FormVersion, bucket: tuple[Any, str]
) -> None:
    client, name = bucket
    submission = submit_application(form_version)
    attach_file(submission, "住民票.pdf", b"%PDF-1.4\n")
    drop_to(form_version, f"s3://{name}/intake/juminhyo/")

    [result] = filedrop.run_drops()

    assert result.count == 1 and not result.error
    batch = FileDropRun.objects.get().batch
    stored = objects(client, name)
    prefix = f"intake/juminhyo/{batch}/"
    assert sorted(stored) == [
        prefix + n
        for n in (".done", "SHA256SUMS", "applications.csv", "attachments.zip", "manifest.json")
    ]
    for line in stored[prefix + "SHA256SUMS"].decode().splitlines():
        digest, file_name = line.split("  ")
        assert hashlib.sha256(stored[prefix + file_name]).hexdigest() == digest
    manifest = json.loads(stored[prefix + "manifest.json"])
    assert manifest["applications"][0]["receipt_number"] == submission.receipt_number


def test_a_missing_bucket_fails_the_run_and_the_next_run_catches_up(
    form_version: FormVersion, bucket: tuple[Any, str]
) -> None:
    client, name = bucket
    submit_application(form_version)
    drop = drop_to(form_version, f"s3://{name}-gone/intake")

    [failed] = filedrop.run_drops()

    assert failed.error and not FileDropItem.objects.exists()
    drop.target = f"s3://{name}/intake"
    drop.save()
    [caught_up] = filedrop.run_drops()

    assert caught_up.count == 1
    assert any(key.endswith("/.done") for key in objects(client, name))
