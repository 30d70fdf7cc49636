"""The LGWAN node catches up with every resend it has not applied: corrections resent on the
internet node before this node first pulled the application, and several resent between two
runs, each applied once, oldest first, and shown in the local history. The internet node is
a fake client here (real sealing with a test key pair); test_two_nodes.py has the real one."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from madoguchi.integrations import crypto, mirror, pull, push, sealing
from madoguchi.integrations.models import MirroredCorrection, PullSource
from madoguchi.integrations.pulled import PulledCorrection, PulledFile
from madoguchi.integrations.tests.test_lgwan_returns import (
    LGWAN,
    NEW_PDF,
    SCHEMA,
    Answer,
    FakeInternetNode,
    _resent,
    _returned,
    _returned_and_pushed,
)
from madoguchi.integrations.tests.test_pull import PDF, _pulled
from madoguchi.submissions import corrections, document
from madoguchi.submissions.access_history import system_status_changes
from madoguchi.submissions.models import Attachment, Correction, Status, Submission
from madoguchi.testing.factories import SIMPLE_ANSWERS, DepartmentFactory, publish_form

pytestmark = pytest.mark.django_db

PUBLIC_ID = "6f1d7a52-1f7e-4d41-9a53-3b8f8b0e2a11"
FILES = "https://internet.example.jp/api/v1/system/files/"
NAME_REASON = "氏名の漢字が違います"
FILE_REASON = "住民票の写しが古いものです"


@pytest.fixture
def form_version() -> Any:
    return publish_form(department=DepartmentFactory(), slug="jido-teate", schema=SCHEMA)


def _file(remote_id: int, name: str, content: bytes) -> dict[str, Any]:
    return {"id": remote_id, "name": name, "size": len(content), "content_type": "application/pdf"}


class SealedApplication:
    """The internet node's view of an encrypted application: the application sealed as it
    was submitted, each resent correction sealed apart, files as ciphertext at signed URLs."""

    def __init__(self, version: Any) -> None:
        self.private, public = crypto.generate_keypair()
        self.recipient = crypto.PublicKey(crypto.b64encode(public))
        self.node = FakeInternetNode()
        self.version = version
        self.answers = SIMPLE_ANSWERS | {"documents": [_file(901, "juminhyo.pdf", PDF)]}
        self.document = document.canonical_bytes(
            document.submission_document(
                municipality=version.form.municipality.lg_code,
                form=version.form.slug,
                form_version=version.number,
                form_version_id=4711,
                answers=self.answers,
                attachments=[],
                created_at=timezone.now() - timedelta(days=3),
            )
        ).decode()
        self.attachments: list[dict[str, Any]] = []
        self.corrections: list[dict[str, Any]] = []
        self.sealed = self._seal(
            sealing.content_aad(PUBLIC_ID),
            {
                "answers": self.answers,
                "document": self.document,
                "applicant_name": SIMPLE_ANSWERS["name"],
                "files": {"901": {"name": "juminhyo.pdf", "content_type": "application/pdf"}},
            },
            {901: PDF},
        )
        self.attachments.append(self._served(901, "documents", PDF, sealed=True))

    def _seal(self, aad: bytes, content: dict[str, Any], files: dict[int, bytes]) -> dict[str, Any]:
        key = crypto.new_content_key()
        plaintext = json.dumps(content, ensure_ascii=False).encode()
        sealed = crypto.seal(plaintext, [self.recipient], aad, content_key=key)
        for remote_id, data in files.items():
            self.node.answers[("GET", f"{FILES}{remote_id}")] = Answer(
                200, content=crypto.encrypt_part(key, data, sealing.file_aad(PUBLIC_ID, remote_id))
            )
        return sealed.as_dict() | {
            "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
            "files": {
                str(i): {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                for i, d in files.items()
            },
        }

    def _served(
        self, remote_id: int, field: str, content: bytes, *, sealed: bool
    ) -> dict[str, Any]:
        return {
            "id": remote_id,
            "field": field,
            "name": f"sealed-{remote_id}",
            "size": len(content),
            "content_type": "application/octet-stream",
            "sha256": hashlib.sha256(content).hexdigest(),
            "sealed": sealed,
            "url": f"{FILES}{remote_id}",
        }

    def correct(
        self,
        remote_id: int,
        *,
        reason: str,
        answers: dict[str, Any],
        files: dict[int, tuple[str, bytes]] | None = None,
    ) -> None:
        """Returned there (not by this node) and resent by the resident, sealed."""
        files = files or {}
        sealed = self._seal(
            sealing.correction_aad(PUBLIC_ID, remote_id),
            {
                "answers": answers,
                "files": {
                    str(i): {"name": name, "content_type": "application/pdf"}
                    for i, (name, _data) in files.items()
                },
            },
            {i: data for i, (_name, data) in files.items()},
        )
        # A file of a reopened question leaves the application there (superseded).
        self.attachments = [a for a in self.attachments if a["field"] not in answers]
        served = [
            self._served(i, "documents", data, sealed=True) for i, (_n, data) in files.items()
        ]
        self.attachments += served
        at = timezone.now() - timedelta(days=2) + timedelta(hours=len(self.corrections))
        self.corrections.append(
            {
                "id": remote_id,
                "fields": list(answers),
                "reason": reason,
                "requested_at": at.isoformat(),
                "resubmitted_at": (at + timedelta(minutes=30)).isoformat(),
                "answers": None,
                "sealed": sealed,
                "files": served,
            }
        )

    def detail(self, status: str = Status.RESUBMITTED) -> dict[str, Any]:
        return {
            "id": PUBLIC_ID,
            "receipt_number": f"{self.version.form.municipality.lg_code}-2026-000042",
            "status": status,
            "form": {"id": self.version.form.slug, "version": self.version.number},
            "channel": "online",
            "submitted_at": (timezone.now() - timedelta(days=3)).isoformat(),
            "answers": None,
            "document": None,
            "applicant_name": None,
            "language": "ja",
            "sealed": self.sealed,
            # The document's hash stays the first one there: the corrected one is made here.
            "document_sha256": hashlib.sha256(self.document.encode()).hexdigest(),
            "attachments": list(self.attachments),
            "corrections": list(self.corrections),
        }

    def pull(self, source: PullSource, cursor: int, status: str = Status.RESUBMITTED) -> Submission:
        pulled = pull.open_application(
            self.node,  # type: ignore[arg-type]
            self.detail(status),
            lambda: {crypto.fingerprint(crypto.public_from_private(self.private)): self.private},  # type: ignore[arg-type,return-value]
        )
        with LGWAN:
            submission, _created = mirror.store(source=source, pulled=pulled, cursor=cursor)
        submission.refresh_from_db()
        return submission


def _changes(submission: Submission) -> list[tuple[str, str, str]]:
    return [(c.from_status, c.to_status, c.reason) for c in submission.status_changes.all()]


def _history(submission: Submission) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    return [
        (
            item.correction.reason,
            list(item.correction.fields),
            [(change.before, change.after) for change in item.changes],
        )
        for item in corrections.correction_history(submission, language="ja")
    ]


def test_sealed_corrections_resent_before_the_first_pull_are_all_applied_in_order(
    form_version: Any, source: PullSource
) -> None:
    internet = SealedApplication(form_version)
    internet.correct(71, reason=NAME_REASON, answers={"name": "加賀 次朗"})
    internet.correct(
        72,
        reason=FILE_REASON,
        answers={"name": "加賀 次郎", "documents": [_file(977, "juminhyo-new.pdf", NEW_PDF)]},
        files={977: ("juminhyo-new.pdf", NEW_PDF)},
    )

    local = internet.pull(source, cursor=9)

    # The answers as they stand after both resends, not the ones first sealed.
    assert local.answers["name"] == "加賀 次郎" and local.applicant_name == "加賀 次郎"
    assert local.answers["name_kana"] == SIMPLE_ANSWERS["name_kana"]
    (attachment,) = local.attachments.all()
    assert attachment.file.read() == NEW_PDF and attachment.name == "juminhyo-new.pdf"
    assert local.answers["documents"][0]["id"] == attachment.pk
    assert "加賀 次郎" in local.document
    assert local.document_sha256 == hashlib.sha256(local.document.encode()).hexdigest()
    # Each correction in the local history: its reason, questions, before and after.
    assert _history(local) == [
        (NAME_REASON, ["name"], [("加賀 太郎", "加賀 次朗")]),
        (
            FILE_REASON,
            ["name", "documents"],
            [("加賀 次朗", "加賀 次郎"), ("juminhyo.pdf", "juminhyo-new.pdf")],
        ),
    ]
    first, second = Correction.objects.filter(submission=local)
    assert first.requested_by_system == "internet_node" and first.requested_by is None
    assert first.resubmitted_at is not None and second.resubmitted_at is not None
    assert first.resubmitted_at < second.requested_at
    first_document = hashlib.sha256(internet.document.encode()).hexdigest()
    assert first.previous_document_sha256 == first_document
    assert second.previous_document_sha256 not in ("", first_document, local.document_sha256)
    assert _changes(local) == [
        (Status.RECEIVED, Status.RETURNED, NAME_REASON),
        (Status.RETURNED, Status.RESUBMITTED, ""),
        (Status.RESUBMITTED, Status.RETURNED, FILE_REASON),
        (Status.RETURNED, Status.RESUBMITTED, ""),
    ]
    assert local.status == Status.RESUBMITTED
    # The staff's history names the internet node for the steps the pull took, not the applicant.
    assert set(system_status_changes(local, language="ja").values()) == {"インターネット側ノード"}
    assert len(system_status_changes(local, language="ja")) == 4
    assert set(
        MirroredCorrection.objects.filter(applied_at__isnull=False).values_list(
            "remote_id", "correction"
        )
    ) == {("71", first.pk), ("72", second.pk)}
    assert not push.waiting([local.pk]).exists()  # nothing of it is pushed back

    # Pulled again (a later change there): nothing opened or applied twice.
    internet.node.calls.clear()
    again = internet.pull(source, cursor=12)
    assert again.answers == local.answers and again.document_sha256 == local.document_sha256
    assert Correction.objects.filter(submission=local).count() == 2
    assert again.status_changes.count() == 4
    assert not any("/977" in str(path) for _method, path, _body in internet.node.calls)


def test_a_clear_application_first_pulled_after_its_corrections_keeps_them_in_its_history(
    form_version: Any, source: PullSource
) -> None:
    """A clear application comes as it stands: its answers are kept; each correction is
    recorded with what it changed, as far as the internet node serves it."""
    new_file = _file(977, "juminhyo-new.pdf", NEW_PDF)
    current = _pulled(form_version, status=Status.IN_REVIEW, files=[])
    current.answers = current.answers | {"name": "加賀 次郎", "documents": [new_file]}
    current.document = document.canonical_bytes(
        json.loads(current.document) | {"answers": current.answers}
    ).decode()
    current.document_sha256 = hashlib.sha256(current.document.encode()).hexdigest()
    new = PulledFile(
        remote_id=977,
        field="documents",
        name="juminhyo-new.pdf",
        size=len(NEW_PDF),
        content_type="application/pdf",
        sha256=hashlib.sha256(NEW_PDF).hexdigest(),
        content=NEW_PDF,
    )
    current.files = [new]
    current.corrections = [
        PulledCorrection(
            remote_id="71", fields=["name"], answers={"name": "加賀 次朗"}, reason=NAME_REASON
        ),
        PulledCorrection(
            remote_id="72",
            fields=["name", "documents"],
            answers={"name": "加賀 次郎", "documents": [new_file]},
            files=[new],
            reason=FILE_REASON,
        ),
    ]

    with LGWAN:
        local, created = mirror.store(source=source, pulled=current, cursor=9)

    assert created
    local.refresh_from_db()
    (attachment,) = local.attachments.all()  # the correction's file is the application's
    assert attachment.file.read() == NEW_PDF
    assert local.answers["documents"][0]["id"] == attachment.pk
    assert local.answers["name"] == "加賀 次郎"
    assert local.document_sha256 == current.document_sha256  # the internet node's, as is
    # The answer before a question's first correction is not served for a clear one.
    assert _history(local) == [
        (NAME_REASON, ["name"], [("", "加賀 次朗")]),
        (
            FILE_REASON,
            ["name", "documents"],
            [("加賀 次朗", "加賀 次郎"), ("", "juminhyo-new.pdf")],
        ),
    ]
    assert _changes(local)[-1] == (Status.RESUBMITTED, Status.IN_REVIEW, "")
    assert local.status == Status.IN_REVIEW
    assert MirroredCorrection.objects.filter(applied_at__isnull=False).count() == 2


def test_several_corrections_resent_between_two_runs_are_all_applied_oldest_first(
    form_version: Any, source: PullSource
) -> None:
    """Returned here, resent; returned again there (the internet node's staff) and resent
    again, all before the next run: both are applied, this node's correction through it."""
    submission, correction = _returned_and_pushed(form_version, source)
    before = dict(submission.answers)
    pulled = _pulled(form_version, status=Status.RESUBMITTED)
    pulled.corrections = [
        _resent(submission),
        PulledCorrection(
            remote_id="72", fields=["name"], answers={"name": "加賀 次郎"}, reason=NAME_REASON
        ),
    ]

    with LGWAN:
        mirror.store(source=source, pulled=pulled, cursor=9)
        mirror.store(source=source, pulled=pulled, cursor=10)  # pulled again: nothing twice

    submission.refresh_from_db()
    (attachment,) = Attachment.objects.filter(submission=submission)
    assert attachment.file.read() == NEW_PDF
    assert submission.answers["documents"][0]["id"] == attachment.pk
    assert submission.answers["name"] == "加賀 次郎"
    correction.refresh_from_db()
    assert correction.resubmitted_at is not None and correction.previous_answers == before
    assert _history(submission) == [
        (FILE_REASON, ["documents"], [("juminhyo.pdf", "juminhyo-new.pdf")]),
        (NAME_REASON, ["name"], [("加賀 太郎", "加賀 次郎")]),
    ]
    assert _changes(submission)[1:] == [
        (Status.RETURNED, Status.RESUBMITTED, ""),
        (Status.RESUBMITTED, Status.RETURNED, NAME_REASON),
        (Status.RETURNED, Status.RESUBMITTED, ""),
    ]
    assert MirroredCorrection.objects.filter(applied_at__isnull=False).count() == 2
    assert not push.waiting([submission.pk]).exists()


def test_every_resent_correction_not_applied_is_opened_oldest_first(
    form_version: Any, source: PullSource
) -> None:
    submission, _correction = _returned(form_version, source)
    MirroredCorrection.objects.create(
        submission=submission, remote_id="70", returned_at=timezone.now(), applied_at=timezone.now()
    )
    detail = {
        "id": PUBLIC_ID,
        "corrections": [
            {"id": 70, "fields": ["name"], "resubmitted_at": "2026-12-01T10:00:00+09:00"},
            {
                "id": 71,
                "fields": ["name"],
                "reason": NAME_REASON,
                "requested_at": "2026-12-02T09:00:00+09:00",
                "resubmitted_at": "2026-12-02T10:00:00+09:00",
                "answers": {"name": "加賀 次朗"},
            },
            {
                "id": 72,
                "fields": ["name"],
                "reason": FILE_REASON,
                "requested_at": "2026-12-03T09:00:00+09:00",
                "resubmitted_at": "2026-12-03T10:00:00+09:00",
                "answers": {"name": "加賀 次郎"},
            },
            # Returned there, not resent yet.
            {"id": 73, "fields": ["name"], "reason": "…", "resubmitted_at": None},
        ],
    }
    node = FakeInternetNode()

    opened = pull.open_corrections(node, detail, lambda: pytest.fail("no key needed"))  # type: ignore[arg-type]

    assert [(c.remote_id, c.answers, c.reason) for c in opened] == [
        ("71", {"name": "加賀 次朗"}, NAME_REASON),
        ("72", {"name": "加賀 次郎"}, FILE_REASON),
    ]
    assert opened[0].requested_at is not None and opened[0].resubmitted_at is not None
    assert opened[0].resubmitted_at.day == 2


def test_a_return_made_there_is_taken_with_its_reason(
    form_version: Any, source: PullSource
) -> None:
    submission, _created = mirror.store(source=source, pulled=_pulled(form_version), cursor=3)
    returned = _pulled(form_version, status=Status.RETURNED, return_reason=FILE_REASON)

    with LGWAN:
        mirror.store(source=source, pulled=returned, cursor=5)

    assert _changes(submission) == [(Status.RECEIVED, Status.RETURNED, FILE_REASON)]


def test_a_resend_from_there_while_a_return_made_here_waits_keeps_the_local_return(
    form_version: Any, source: PullSource
) -> None:
    """Returned and resent there before this node's return (same question) was pushed: it
    is not taken for this node's, whose return stays open and waits to be pushed."""
    earlier = timezone.now() - timedelta(hours=2)
    submission, correction = _returned(form_version, source)
    pulled = _pulled(form_version, status=Status.RESUBMITTED)
    elsewhere = _resent(submission)
    pulled.corrections = [
        PulledCorrection(
            remote_id="69",
            fields=elsewhere.fields,
            answers=elsewhere.answers,
            files=elsewhere.files,
            reason=FILE_REASON,
            requested_at=earlier,
            resubmitted_at=earlier + timedelta(minutes=30),
        )
    ]

    with LGWAN:
        mirror.store(source=source, pulled=pulled, cursor=9)

    submission.refresh_from_db()
    correction.refresh_from_db()
    assert correction.resubmitted_at is None  # this node's return is still open
    assert submission.status == Status.RETURNED
    assert push.waiting([submission.pk]).count() == 1  # and waits to be pushed
    (attachment,) = Attachment.objects.filter(submission=submission)
    assert attachment.file.read() == NEW_PDF  # the resend there is applied all the same
    kept = MirroredCorrection.objects.get(remote_id="69")
    assert kept.correction != correction and kept.applied_at is not None
    assert kept.correction is not None and kept.correction.reason == FILE_REASON


def test_a_signed_forms_resend_from_there_is_recorded_and_the_signed_content_taken(
    source: PullSource,
) -> None:
    signed_version = publish_form(
        department=DepartmentFactory(), slug="signed", schema=SCHEMA | {"identity": "mynumber_sign"}
    )
    mirror.store(source=source, pulled=_pulled(signed_version), cursor=3)
    # The internet node's application after the resident signed the corrected one there.
    resigned = _pulled(signed_version, status=Status.RESUBMITTED)
    resigned.answers = resigned.answers | {"name": "加賀 次郎"}
    resigned.document = resigned.document.replace("加賀 太郎", "加賀 次郎")
    resigned.document_sha256 = hashlib.sha256(resigned.document.encode()).hexdigest()
    resigned.corrections = [
        PulledCorrection(
            remote_id="72", fields=["name"], answers={"name": "加賀 次郎"}, reason=NAME_REASON
        )
    ]

    with LGWAN:
        local, _created = mirror.store(source=source, pulled=resigned, cursor=9)

    local.refresh_from_db()
    assert local.document_sha256 == resigned.document_sha256  # the signed document, as is
    assert local.answers["name"] == "加賀 次郎"
    assert local.attachments.get().file.read() == PDF
    assert _history(local) == [(NAME_REASON, ["name"], [("加賀 太郎", "加賀 次郎")])]
    assert local.status == Status.RESUBMITTED
    assert not push.waiting([local.pk]).exists()
