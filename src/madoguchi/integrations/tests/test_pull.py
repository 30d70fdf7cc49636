"""The LGWAN node's side of the pull: storing a pulled application, the pushes it waits to
send, and what a failed run leaves behind. The whole round trip through a real internet
node is in test_two_nodes.py."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from madoguchi.integrations import mirror, pull
from madoguchi.integrations.models import (
    FeedEntry,
    FeedKind,
    MirroredSubmission,
    PendingPush,
    PullSource,
)
from madoguchi.integrations.pulled import MirrorError, Pulled, PulledFile
from madoguchi.ledger.models import LedgerEntry
from madoguchi.settings.environment import env
from madoguchi.submissions import document, workflow
from madoguchi.submissions.models import Attachment, Status, Submission
from madoguchi.testing.factories import (
    SIMPLE_ANSWERS,
    DepartmentFactory,
    StaffFactory,
    publish_form,
)
from madoguchi.testing.servers import free_port

pytestmark = pytest.mark.django_db

LGWAN = override_settings(MADOGUCHI_NODE_ROLE="lgwan")
PDF = b"%PDF-1.7 resident's certificate of residence"


def _pulled(version: Any, **changes: Any) -> Pulled:
    """An application as the internet node gives it (decrypted), with one attached PDF."""
    lg_code = version.form.municipality.lg_code
    answers = SIMPLE_ANSWERS | {
        "documents": [
            {"id": 901, "name": "juminhyo.pdf", "size": len(PDF), "content_type": "application/pdf"}
        ]
    }
    created_at = timezone.now() - timedelta(hours=1)
    text = document.canonical_bytes(
        document.submission_document(
            municipality=lg_code,
            form=version.form.slug,
            form_version=version.number,
            form_version_id=4711,
            answers=answers,
            attachments=[],
            created_at=created_at,
        )
    ).decode()
    values: dict[str, Any] = {
        "public_id": "6f1d7a52-1f7e-4d41-9a53-3b8f8b0e2a11",
        "receipt_number": f"{lg_code}-2026-000042",
        "status": Status.RECEIVED,
        "form_slug": version.form.slug,
        "form_version": version.number,
        "channel": "online",
        "submitted_at": created_at,
        "answers": answers,
        "document": text,
        "document_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "files": [
            PulledFile(
                remote_id=901,
                field="documents",
                name="juminhyo.pdf",
                size=len(PDF),
                content_type="application/pdf",
                sha256=hashlib.sha256(PDF).hexdigest(),
                content=PDF,
            )
        ],
    }
    return Pulled(**(values | changes))


@pytest.fixture
def form_version() -> Any:
    return publish_form(department=DepartmentFactory(), slug="jido-teate")


def test_a_pulled_application_is_stored_with_its_numbers_answers_and_files(
    form_version: Any, source: PullSource
) -> None:
    pulled = _pulled(form_version)

    submission, created = mirror.store(source=source, pulled=pulled, cursor=7)

    assert created
    assert str(submission.public_id) == pulled.public_id
    assert submission.receipt_number == pulled.receipt_number
    assert submission.form_version == form_version
    assert submission.applicant_name == "加賀 太郎"
    assert submission.document_sha256 == pulled.document_sha256
    attachment = Attachment.objects.get(submission=submission)
    assert attachment.file.read() == PDF
    # The answers name the local file, so the back office finds it.
    assert submission.answers["documents"][0]["id"] == attachment.pk
    assert MirroredSubmission.objects.get(submission=submission).remote_cursor == 7
    assert LedgerEntry.objects.filter(event="submission.submitted").exists()
    # This node's file drops and webhooks see it as a new application.
    assert FeedEntry.objects.filter(submission=submission, kind=FeedKind.SUBMITTED).exists()


@pytest.mark.parametrize("broken", ["document", "file"])
def test_a_changed_document_or_file_is_refused_and_nothing_is_stored(
    form_version: Any, source: PullSource, broken: str
) -> None:
    pulled = _pulled(form_version)
    if broken == "document":
        pulled.document = pulled.document.replace("加賀 太郎", "加賀 次郎")
    else:
        pulled.files = [
            PulledFile(**(vars(pulled.files[0]) | {"content": PDF.replace(b"1.7", b"1.6")}))
        ]

    with pytest.raises(MirrorError, match=r"^application 6f1d7a52-\S+: .*SHA-256 differs$"):
        mirror.store(source=source, pulled=pulled, cursor=1)

    assert not Submission.objects.exists()
    assert not Attachment.objects.exists()


def test_an_unknown_form_version_is_refused_by_its_slug_and_number(
    form_version: Any, source: PullSource
) -> None:
    with pytest.raises(MirrorError, match=r"form jido-teate version 9 of \d+ is not published"):
        mirror.store(source=source, pulled=_pulled(form_version, form_version=9), cursor=1)

    assert not Submission.objects.exists()


@LGWAN
def test_staff_changes_wait_to_be_pushed_and_remote_changes_do_not(
    form_version: Any, source: PullSource
) -> None:
    submission, _ = mirror.store(source=source, pulled=_pulled(form_version), cursor=1)
    staff = StaffFactory(
        municipality=submission.municipality, departments=[form_version.form.department]
    )

    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    # The resident withdrew meanwhile on the internet node: the local review wins until the
    # push has told the internet node.
    mirror.store(source=source, pulled=_pulled(form_version, status=Status.WITHDRAWN), cursor=2)

    push = PendingPush.objects.get()
    assert push.change.to_status == Status.IN_REVIEW and push.pushed_at is None
    submission.refresh_from_db()
    assert submission.status == Status.IN_REVIEW

    push.pushed_at = timezone.now()
    push.save()
    mirror.store(source=source, pulled=_pulled(form_version, status=Status.WITHDRAWN), cursor=3)

    submission.refresh_from_db()
    assert submission.status == Status.WITHDRAWN
    assert PendingPush.objects.count() == 1  # the remote change is not sent back


def test_a_single_node_records_no_pushes(form_version: Any, source: PullSource) -> None:
    submission, _ = mirror.store(source=source, pulled=_pulled(form_version), cursor=1)
    staff = StaffFactory(
        municipality=submission.municipality, departments=[form_version.form.department]
    )

    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)

    assert not PendingPush.objects.exists()


def test_an_unreachable_source_keeps_its_cursor_and_records_the_error() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    sources = [{"name": "internet", "base_url": closed, "client_id": "mdg_x", "secret": "s3cr3t"}]
    PullSource.objects.create(name="internet", base_url=closed, client_id="mdg_x", cursor=41)
    errors = StringIO()

    with (
        override_settings(MADOGUCHI_NODE_ROLE="lgwan", MADOGUCHI_PULL_SOURCES=sources),
        pytest.raises(CommandError),
    ):
        call_command("lgwan_sync", stderr=errors)

    source = PullSource.objects.get()
    assert source.cursor == 41
    assert source.last_error == "token: ConnectionError"
    assert source.last_pull_at is not None
    assert "error: token: ConnectionError" in errors.getvalue()
    assert "s3cr3t" not in errors.getvalue()


def test_lgwan_sync_refuses_to_run_on_another_node() -> None:
    with pytest.raises(CommandError, match="MADOGUCHI_NODE_ROLE=lgwan"):
        call_command("lgwan_sync")


def test_the_source_rows_follow_the_settings() -> None:
    sources = [
        {"name": "internet", "base_url": "https://a.example", "client_id": "one", "secret": "x"}
    ]
    PullSource.objects.create(name="internet", base_url="https://old.example", client_id="old")

    with override_settings(MADOGUCHI_PULL_SOURCES=sources):
        ((row, _config),) = pull.source_rows()

    assert (row.base_url, row.client_id) == ("https://a.example", "one")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[{", "not valid JSON"),
        ('{"name": "x"}', "a JSON list"),
        ('[{"name": "x", "base_url": "https://a", "client_id": "c"}]', "non-empty secret"),
        ('[{"name": "x", "base_url": "ftp://a", "client_id": "c", "secret": "s"}]', "as a URL"),
        (
            '[{"name": "x", "base_url": "https://a", "client_id": "c", "secret": "s", "y": 1}]',
            "not ['y']",
        ),
    ],
)
def test_malformed_pull_sources_are_refused_without_showing_the_secret(
    raw: str, expected: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match="MADOGUCHI_PULL_SOURCES") as refused:
        env("MADOGUCHI_PULL_SOURCES", environ={"MADOGUCHI_PULL_SOURCES": raw})

    assert expected in str(refused.value)
    assert '"s"' not in str(refused.value) and "(value hidden)" in str(refused.value)


def test_an_unknown_node_role_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="single or internet or lgwan"):
        env("MADOGUCHI_NODE_ROLE", environ={"MADOGUCHI_NODE_ROLE": "dmz"})
