"""The LGWAN node's side of 差し戻し across the two nodes: a return made here goes to the
internet node's returns endpoint, and the resident's resend there is applied here through
this node's own correction. The internet node is a fake client here; the real round trip is
in test_two_nodes.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from madoguchi.integrations import mirror, pull, push
from madoguchi.integrations.models import (
    MirroredCorrection,
    PendingPush,
    PullSource,
)
from madoguchi.integrations.pulled import PulledCorrection, PulledFile
from madoguchi.integrations.tests.test_pull import PDF, _pulled
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Attachment, Status, Submission
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    StaffFactory,
    publish_form,
)

pytestmark = pytest.mark.django_db

LGWAN = override_settings(MADOGUCHI_NODE_ROLE="lgwan")
NEW_PDF = b"%PDF-1.7 a new certificate of residence"
REMOTE_CORRECTION = "5b0c1e0e-8a57-4c1a-9d0e-2f4b8f1d7c33"


@dataclass
class Answer:
    status_code: int
    body: Any = None
    content: bytes = b""

    def json(self) -> Any:
        if self.body is None:
            raise ValueError("no JSON")
        return self.body


@dataclass
class FakeInternetNode:
    """Answers the calls the LGWAN node makes, and remembers them."""

    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def request(self, method: str, path: str, *, what: str, params: Any = None, body: Any = None):  # type: ignore[no-untyped-def]
        self.calls.append((method, path, body))
        return self.answers[(method, path)]

    def download(self, url: str, *, what: str) -> bytes:
        self.calls.append(("GET", url, None))
        return self.answers[("GET", url)].content


# The simple test form with a file question, as the pulled application answers it.
SCHEMA = SIMPLE_SCHEMA | {
    "steps": [
        *SIMPLE_SCHEMA["steps"],
        {
            "key": "files",
            "title": {"ja": "書類", "en": "Documents"},
            "fields": [{"key": "documents", "type": "file", "label": "住民票"}],
        },
    ]
}


@pytest.fixture
def form_version() -> Any:
    return publish_form(department=DepartmentFactory(), slug="jido-teate", schema=SCHEMA)


def _returned(form_version: Any, source: PullSource) -> tuple[Submission, Any]:
    """A pulled application that staff here returned for correction of its file."""
    submission, _created = mirror.store(source=source, pulled=_pulled(form_version), cursor=3)
    staff = StaffFactory(
        municipality=submission.municipality, departments=[form_version.form.department]
    )
    with LGWAN:
        correction, _token = workflow.return_for_correction(
            submission=submission,
            staff=staff,
            reason="住民票の写しが古いものです",
            fields=["documents"],
        )
    return submission, correction


def _returned_and_pushed(form_version: Any, source: PullSource) -> tuple[Submission, Any]:
    """:func:`_returned`, its return already pushed: the internet node's correction id kept."""
    submission, correction = _returned(form_version, source)
    MirroredCorrection.objects.create(
        submission=submission,
        correction=correction,
        remote_id=REMOTE_CORRECTION,
        returned_at=timezone.now(),
    )
    PendingPush.objects.update(pushed_at=timezone.now())
    return submission, correction


def test_a_return_made_here_goes_to_the_returns_endpoint_and_its_id_is_kept(
    form_version: Any, source: PullSource
) -> None:
    submission, correction = _returned(form_version, source)
    remote = str(submission.public_id)
    node = FakeInternetNode(
        answers={
            ("POST", f"applications/{remote}/returns"): Answer(
                201,
                {
                    "id": remote,
                    "status": Status.RETURNED,
                    "replayed": False,
                    "correction": {"id": REMOTE_CORRECTION, "fields": ["documents"]},
                },
            )
        }
    )

    result = push.push_pending(source, node)  # type: ignore[arg-type]

    assert result.sent == 1 and result.refused == {}
    ((method, path, body),) = node.calls
    assert (method, path) == ("POST", f"applications/{remote}/returns")
    pending = PendingPush.objects.get()
    assert body == {
        "fields": ["documents"],
        "reason": "住民票の写しが古いものです",
        "idempotency_key": f"lgwan-{remote}-{pending.change_id}",
    }
    assert pending.pushed_at is not None
    kept = MirroredCorrection.objects.get()
    assert (kept.correction, kept.remote_id, kept.applied_at) == (
        correction,
        REMOTE_CORRECTION,
        None,
    )


def test_a_refused_return_is_given_up_as_any_refused_change(
    form_version: Any, source: PullSource
) -> None:
    submission, _correction = _returned(form_version, source)
    remote = str(submission.public_id)
    node = FakeInternetNode(
        answers={
            ("POST", f"applications/{remote}/returns"): Answer(
                409, {"code": "status_refused", "message": "…"}
            )
        }
    )

    result = push.push_pending(source, node)  # type: ignore[arg-type]

    assert list(result.refused) == [remote]
    assert PendingPush.objects.get().last_error == "refused: HTTP 409 status_refused"
    assert not MirroredCorrection.objects.exists()


def _resent(submission: Submission) -> PulledCorrection:
    return PulledCorrection(
        remote_id=REMOTE_CORRECTION,
        fields=["documents"],
        answers={
            "documents": [
                {
                    "id": 977,
                    "name": "juminhyo-new.pdf",
                    "size": len(NEW_PDF),
                    "content_type": "application/pdf",
                }
            ],
            # Not reopened here: never taken.
            "name": "加賀 次郎",
        },
        files=[
            PulledFile(
                remote_id=977,
                field="documents",
                name="juminhyo-new.pdf",
                size=len(NEW_PDF),
                content_type="application/pdf",
                sha256=hashlib.sha256(NEW_PDF).hexdigest(),
                content=NEW_PDF,
            )
        ],
    )


def test_the_residents_resend_is_applied_through_the_local_correction_once(
    form_version: Any, source: PullSource
) -> None:
    submission, correction = _returned_and_pushed(form_version, source)
    before = dict(submission.answers)
    old_document = submission.document_sha256
    pulled = _pulled(form_version, status=Status.RESUBMITTED)
    pulled.corrections = [_resent(submission)]

    with LGWAN:
        local, created = mirror.store(source=source, pulled=pulled, cursor=9)

    assert not created
    local.refresh_from_db()
    assert local.status == Status.RESUBMITTED
    (attachment,) = local.attachments.all()
    assert attachment.file.read() == NEW_PDF and attachment.name == "juminhyo-new.pdf"
    assert local.answers["documents"][0]["id"] == attachment.pk
    assert local.answers["name"] == before["name"]  # only the reopened answer is taken
    assert local.document_sha256 != old_document  # the local document is made again
    correction.refresh_from_db()
    assert correction.resubmitted_at is not None
    assert correction.previous_answers == before  # the history keeps what was replaced
    (old_file,) = Attachment.objects.filter(superseded_by=correction)
    assert old_file.file.read() == PDF
    # The RESUBMITTED change has no staff actor: it is not pushed back.
    assert not push.waiting([local.pk]).exists()
    assert MirroredCorrection.objects.get().applied_at is not None

    # Pulled again (a later change of the same application): nothing applied twice, and the
    # internet node's unchanged document does not put the old answers back.
    with LGWAN:
        mirror.store(source=source, pulled=pulled, cursor=10)
    local.refresh_from_db()
    assert local.status == Status.RESUBMITTED
    assert local.answers["documents"][0]["id"] == attachment.pk
    assert local.status_changes.count() == 2


def test_a_resend_of_a_return_made_on_the_internet_node_is_applied_directly(
    form_version: Any, source: PullSource
) -> None:
    """Another back-office system returned it there: this node had no correction of its own."""
    submission, _created = mirror.store(source=source, pulled=_pulled(form_version), cursor=3)
    old_document = submission.document_sha256
    mirror.store(source=source, pulled=_pulled(form_version, status=Status.RETURNED), cursor=5)
    pulled = _pulled(form_version, status=Status.RESUBMITTED)
    pulled.corrections = [_resent(submission)]

    with LGWAN:
        mirror.store(source=source, pulled=pulled, cursor=9)
        mirror.store(source=source, pulled=pulled, cursor=10)  # pulled again: nothing twice

    submission.refresh_from_db()
    assert submission.status == Status.RESUBMITTED
    (attachment,) = Attachment.objects.filter(submission=submission)
    assert attachment.file.read() == NEW_PDF
    assert submission.answers["documents"] == [
        {
            "id": attachment.pk,
            "name": "juminhyo-new.pdf",
            "size": len(NEW_PDF),
            "content_type": "application/pdf",
        }
    ]
    assert submission.answers["name"] == "加賀 太郎"  # not reopened
    assert submission.document_sha256 != old_document
    # Recorded here as a correction already resent, for the history; the file it replaced
    # is kept with it.
    kept = MirroredCorrection.objects.get()
    assert kept.applied_at is not None and kept.correction is not None
    assert kept.correction.requested_by_system == "internet_node"
    assert kept.correction.resubmitted_at is not None
    assert kept.correction.previous_answers["documents"][0]["name"] == "juminhyo.pdf"
    (old_file,) = Attachment.objects.filter(superseded_by=kept.correction)
    assert old_file.file.read() == PDF
    assert not push.waiting([submission.pk]).exists()


def test_a_clear_correction_is_opened_with_its_files_and_an_applied_one_is_skipped(
    form_version: Any, source: PullSource
) -> None:
    submission, _correction = _returned(form_version, source)
    MirroredCorrection.objects.create(
        submission=submission,
        remote_id="old",
        returned_at=timezone.now(),
        applied_at=timezone.now(),
    )
    url = "https://internet.example.jp/api/v1/system/files/abc"
    detail = {
        "id": "6f1d7a52-1f7e-4d41-9a53-3b8f8b0e2a11",
        "corrections": [
            {"id": "old", "resubmitted_at": "2026-12-01T10:00:00+09:00", "files": []},
            {
                "id": REMOTE_CORRECTION,
                "fields": ["documents"],
                "resubmitted_at": "2026-12-04T10:00:00+09:00",
                "answers": {"documents": [{"id": 977}]},
                "sealed": None,
                "files": [
                    {
                        "id": 977,
                        "field": "documents",
                        "name": "juminhyo-new.pdf",
                        "size": len(NEW_PDF),
                        "content_type": "application/pdf",
                        "sha256": hashlib.sha256(NEW_PDF).hexdigest(),
                        "sealed": False,
                        "url": url,
                    }
                ],
            },
        ],
    }
    node = FakeInternetNode(answers={("GET", url): Answer(200, content=NEW_PDF)})

    (opened,) = pull.open_corrections(node, detail, lambda: pytest.fail("no key needed"))  # type: ignore[arg-type]

    assert opened.remote_id == REMOTE_CORRECTION
    assert opened.answers == {"documents": [{"id": 977}]}
    assert [(f.remote_id, f.content) for f in opened.files] == [(977, NEW_PDF)]
    # Corrections still open there (not resent) are not taken.
    for item in detail["corrections"]:
        item["resubmitted_at"] = None
    assert pull.open_corrections(node, detail, lambda: pytest.fail("no key needed")) == []  # type: ignore[arg-type]


def test_a_signed_forms_resend_is_taken_as_the_internet_node_signed_it(
    source: PullSource,
) -> None:
    signed_version = publish_form(
        department=DepartmentFactory(), slug="signed", schema=SCHEMA | {"identity": "mynumber_sign"}
    )
    submission, _correction = _returned_and_pushed(signed_version, source)
    # The internet node's application after the resident signed the corrected one there.
    resigned = _pulled(signed_version, status=Status.RESUBMITTED, files=[])
    resigned.answers = resigned.answers | {"documents": []}
    resigned.corrections = [_resent(submission)]

    with LGWAN:
        local, _created = mirror.store(source=source, pulled=resigned, cursor=9)

    local.refresh_from_db()
    assert local.status == Status.RESUBMITTED
    assert local.document_sha256 == resigned.document_sha256  # the signed document, as is
    assert MirroredCorrection.objects.get().applied_at is not None
    assert not push.waiting([local.pk]).exists()
