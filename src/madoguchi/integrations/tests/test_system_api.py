"""The system API through its real endpoints: changes with a cursor, an application with its
answers, files and evidence, acknowledgement, status; scopes and department scoping."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.core import events
from madoguchi.integrations import clients_services, system_api
from madoguchi.integrations.models import (
    Acknowledgement,
    FeedEntry,
    FeedKind,
    SealedSubmission,
    StatusUpdate,
)
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions.models import Status, StatusChange, Submission
from madoguchi.submissions.resident_views import history_rows
from madoguchi.tenants.models import Department, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    attach_file,
    publish_form,
    submit_application,
)

BASE = "/api/v1/system"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Any:
    cache.clear()
    yield
    cache.clear()


class Vendor:
    """A registered back-office system with a token, calling the API like a vendor does."""

    def __init__(self, departments: list[Department], *, scope: str = "read", forms: Any = ()):
        admin = StaffFactory(
            municipality=departments[0].municipality, role=StaffRole.MUNICIPALITY_ADMIN
        )
        self.issued = clients_services.register_client(
            staff=admin,
            name="基幹システム",
            departments=departments,
            forms=list(forms),
            scope=scope,
        )
        credentials = f"{self.issued.client.client_id}:{self.issued.secret}".encode()
        answer = Client().post(
            f"{BASE}/token",
            {"grant_type": "client_credentials"},
            headers={"authorization": "Basic " + base64.b64encode(credentials).decode()},
            secure=True,
        )
        assert answer.status_code == 200, answer.content
        self.browser = Client(
            headers={"authorization": f"Bearer {answer.json()['access_token']}"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.browser.get(f"{BASE}{path}", params)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.browser.post(f"{BASE}{path}", body, content_type="application/json")


def feed(submission: Submission, kind: str = FeedKind.SUBMITTED) -> FeedEntry:
    """A feed entry as H2's hooks write it (for entries the test makes on purpose)."""
    return FeedEntry.objects.create(
        municipality_id=submission.municipality_id,
        department_id=submission.department_id,
        submission=submission,
        kind=kind,
        at=timezone.now(),
        status=submission.status,
    )


def entry_for(submission: Submission) -> FeedEntry:
    found = FeedEntry.objects.filter(submission=submission).order_by("-id").first()
    return found if found is not None else feed(submission)


@pytest.fixture
def two_departments(db: None) -> tuple[Department, Department]:
    first = DepartmentFactory()
    return first, DepartmentFactory(municipality=first.municipality)


def test_changes_come_in_cursor_order_with_next_and_more(
    two_departments: tuple[Department, Department],
) -> None:
    mine, _theirs = two_departments
    form = publish_form(department=mine)
    submissions = [submit_application(form) for _ in range(3)]
    for submission in submissions:
        entry_for(submission)
    vendor = Vendor([mine])

    first = vendor.get("/changes", limit="2").json()
    second = vendor.get("/changes", after=str(first["next"]), limit="2").json()
    empty = vendor.get("/changes", after=str(second["next"])).json()

    seen = [c["application"]["receipt_number"] for c in first["changes"] + second["changes"]]
    assert {s.receipt_number for s in submissions} <= set(seen)
    assert first["more"] is True
    assert second["more"] is False
    assert [c["cursor"] for c in first["changes"]] == sorted(c["cursor"] for c in first["changes"])
    assert first["changes"][0]["application"]["department"] == mine.code
    assert first["changes"][0]["application"]["form"] == "test-form"
    assert empty == {"changes": [], "next": second["next"], "more": False}


def test_a_bad_cursor_or_limit_is_a_422_that_says_what_to_send(
    two_departments: tuple[Department, Department],
) -> None:
    vendor = Vendor([two_departments[0]])

    answers = [
        vendor.get("/changes", after="-1"),
        vendor.get("/changes", limit="0"),
        vendor.get("/changes", limit="501"),
        vendor.get("/changes", after="abc"),
    ]

    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    assert "after" in answers[0].json()["message"]
    assert "limit" in answers[1].json()["message"]


def test_a_department_client_never_sees_another_departments_application(
    two_departments: tuple[Department, Department],
) -> None:
    mine, theirs = two_departments
    own = submit_application(publish_form(department=mine, slug="mine"))
    other = submit_application(publish_form(department=theirs, slug="theirs"))
    attachment = attach_file(other, "secret.pdf", b"%PDF-1.4 theirs")
    for submission in (own, other):
        entry_for(submission)
    vendor = Vendor([mine], scope="read_status")
    theirs_vendor = Vendor([theirs])
    foreign_link = system_api.signing.dumps(
        {"c": theirs_vendor.issued.client.pk, "a": attachment.pk}, salt=system_api.FILE_SALT
    )
    my_link_to_their_file = system_api.signing.dumps(
        {"c": vendor.issued.client.pk, "a": attachment.pk}, salt=system_api.FILE_SALT
    )

    listed = vendor.get("/changes").json()
    fetched = vendor.get(f"/applications/{other.public_id}")
    acked = vendor.post(f"/applications/{other.public_id}/ack", {"cursor": entry_for(other).pk})
    status = vendor.post(
        f"/applications/{other.public_id}/status",
        {"status": "in_review", "message": "", "idempotency_key": "k"},
    )
    file = vendor.browser.get(f"{BASE}/files/{my_link_to_their_file}")

    assert [c["application"]["id"] for c in listed["changes"]] == [str(own.public_id)]
    for answer in (fetched, acked, status, file):
        assert answer.status_code == 404, answer.content
        assert answer.json()["code"] == "not_found"
    # The other department's own client reads it (the link is bound to that client).
    assert Client().get(f"{BASE}/files/{foreign_link}").status_code == 200
    assert Submission.objects.get(pk=other.pk).status == Status.RECEIVED


def test_a_client_limited_to_forms_sees_only_those_forms(
    two_departments: tuple[Department, Department],
) -> None:
    mine, _ = two_departments
    chosen = publish_form(department=mine, slug="chosen")
    other = publish_form(department=mine, slug="other")
    seen = submit_application(chosen)
    unseen = submit_application(other)
    entry_for(seen)
    entry_for(unseen)
    vendor = Vendor([mine], forms=[chosen.form])

    listed = vendor.get("/changes").json()

    assert [c["application"]["id"] for c in listed["changes"]] == [str(seen.public_id)]
    assert vendor.get(f"/applications/{unseen.public_id}").status_code == 404
    assert vendor.get(f"/applications/{seen.public_id}").status_code == 200


def test_an_application_comes_with_answers_files_and_evidence_and_is_in_the_ledger(
    department: Department,
) -> None:
    submission = submit_application(publish_form(department=department))
    attachment = attach_file(submission, "住民票 (写し).pdf", b"%PDF-1.4 hello")
    vendor = Vendor([department])

    answer = vendor.get(f"/applications/{submission.public_id}")

    assert answer.status_code == 200
    body = answer.json()
    assert body["receipt_number"] == submission.receipt_number
    assert body["answers"]["name"] == "加賀 太郎"
    assert body["sealed"] is None
    assert body["form"] == {"id": "test-form", "title": "Test application", "version": 1}
    assert body["document_sha256"] == submission.document_sha256
    assert body["evidence"] == {
        "signed": False,
        "signature_url": None,
        "ledger_subject": events.submission_subject(submission.public_id),
    }
    [file] = body["attachments"]
    assert (file["id"], file["sha256"], file["sealed"]) == (attachment.pk, attachment.sha256, False)
    download = Client().get(file["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 hello"
    assert download["Cache-Control"] == "no-store"
    assert download["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    fetched = LedgerEntry.objects.filter(event=events.Event.SYSTEM_FETCHED.value)
    assert fetched.count() == 2  # the application, then its file
    for entry in fetched:
        assert entry.subject == events.submission_subject(submission.public_id)
        assert entry.detail["department"] == department.code
        assert "加賀" not in str(entry.detail) and "taro" not in str(entry.detail)
        assert entry.actor.startswith("system_client:")
        assert vendor.issued.client.client_id not in entry.actor


def test_a_file_link_expires_after_five_minutes_and_cannot_be_altered(
    department: Department,
) -> None:
    submission = submit_application(publish_form(department=department))
    attach_file(submission, "a.pdf", b"%PDF-1.4 a")
    vendor = Vendor([department])
    url = vendor.get(f"/applications/{submission.public_id}").json()["attachments"][0]["url"]
    token = url.rsplit("/", 1)[1]
    payload, _stamp, _signature = token.split(":")
    signer = signing.TimestampSigner(salt=system_api.FILE_SALT)
    old = int((timezone.now() - timedelta(seconds=301)).timestamp())
    stale = f"{payload}:{signing.b62_encode(old)}"
    expired_token = f"{stale}:{signer.signature(stale)}"

    altered = Client().get(url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")))
    expired = Client().get(url.replace(token, expired_token))
    fresh = Client().get(url)

    assert fresh.status_code == 200
    assert altered.status_code == 404
    assert expired.status_code == 404
    assert expired.json()["code"] == "link_expired"


def test_a_sealed_application_gives_ciphertext_and_no_answers(department: Department) -> None:
    submission = submit_application(publish_form(department=department))
    SealedSubmission.objects.create(
        submission=submission,
        suite="HPKE-X25519-HKDF-SHA256-AES256GCM",
        recipients=[{"fingerprint": "ab" * 32, "purpose": "department", "enc": "ZW5j"}],
        ciphertext=b"\x00\x01ciphertext",
        plaintext_sha256="cd" * 32,
        sealed_at=timezone.now(),
    )
    vendor = Vendor([department])

    body = vendor.get(f"/applications/{submission.public_id}").json()

    assert body["answers"] is None
    assert body["document"] is None
    assert body["applicant_name"] is None
    assert body["sealed"]["recipients"][0]["fingerprint"] == "ab" * 32
    assert base64.urlsafe_b64decode(body["sealed"]["ciphertext"] + "==") == b"\x00\x01ciphertext"


def test_ack_keeps_the_latest_cursor_and_refuses_a_cursor_of_another_application(
    department: Department,
) -> None:
    form = publish_form(department=department)
    submission, other = submit_application(form), submit_application(form)
    first = feed(submission)
    later = feed(submission, FeedKind.STATUS_CHANGED)
    vendor = Vendor([department])

    answers = [
        vendor.post(f"/applications/{submission.public_id}/ack", {"cursor": later.pk}),
        vendor.post(f"/applications/{submission.public_id}/ack", {"cursor": first.pk}),
        vendor.post(f"/applications/{submission.public_id}/ack", {"cursor": entry_for(other).pk}),
        vendor.post(f"/applications/{submission.public_id}/ack", {}),
    ]

    assert [a.status_code for a in answers] == [204, 204, 422, 422]
    assert Acknowledgement.objects.get().feed_entry_id == later.pk


def test_setting_a_status_needs_the_read_status_scope(department: Department) -> None:
    submission = submit_application(publish_form(department=department))
    reader = Vendor([department], scope="read")

    answer = reader.post(
        f"/applications/{submission.public_id}/status",
        {"status": "in_review", "message": "", "idempotency_key": "k1"},
    )

    assert answer.status_code == 403
    assert answer.json()["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in answer["WWW-Authenticate"]
    assert Submission.objects.get(pk=submission.pk).status == Status.RECEIVED


def test_a_status_goes_through_the_workflow_reaches_the_resident_and_is_idempotent(
    department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    submission = submit_application(publish_form(department=department))
    vendor = Vendor([department], scope="read_status")
    path = f"/applications/{submission.public_id}/status"
    mail.outbox.clear()

    first = vendor.post(path, {"status": "in_review", "message": "", "idempotency_key": "k1"})
    retry = vendor.post(path, {"status": "in_review", "message": "", "idempotency_key": "k1"})
    reused = vendor.post(path, {"status": "approved", "message": "", "idempotency_key": "k1"})
    with django_capture_on_commit_callbacks(execute=True):
        rejected = vendor.post(
            path,
            {"status": "rejected", "message": "添付書類が不足しています", "idempotency_key": "k2"},
        )
    not_allowed = vendor.post(path, {"status": "approved", "message": "", "idempotency_key": "k3"})
    unknown = vendor.post(path, {"status": "done", "message": "", "idempotency_key": "k4"})
    no_reason = Vendor([department], scope="read_status").post(
        f"/applications/{submit_application(submission.form_version).public_id}/status",
        {"status": "rejected", "message": " ", "idempotency_key": "k5"},
    )

    assert first.status_code == 200 and first.json()["replayed"] is False
    assert retry.status_code == 200 and retry.json()["replayed"] is True
    assert reused.status_code == 422
    assert rejected.status_code == 200
    assert rejected.json()["status_history"][-1]["message"] == "添付書類が不足しています"
    assert not_allowed.status_code == 409
    assert not_allowed.json()["code"] == "status_refused"
    assert unknown.status_code == 422
    assert no_reason.status_code == 422
    assert Submission.objects.get(pk=submission.pk).status == Status.REJECTED
    assert StatusUpdate.objects.filter(client=vendor.issued.client).count() == 2
    changes = LedgerEntry.objects.filter(
        event=events.Event.STATUS_CHANGED.value,
        subject=events.submission_subject(submission.public_id),
    )
    assert [e.detail["by"] for e in changes] == ["system", "system"]
    assert all(e.actor.startswith("system_client:") for e in changes)
    assert any("添付書類が不足しています" in m.body for m in mail.outbox)


def test_the_residents_history_names_the_departments_system(department: Department) -> None:
    submission = submit_application(publish_form(department=department))
    vendor = Vendor([department], scope="read_status")

    vendor.get(f"/applications/{submission.public_id}")
    vendor.post(
        f"/applications/{submission.public_id}/status",
        {"status": "in_review", "message": "", "idempotency_key": "k1"},
    )
    with translation.override("ja"):
        rows = history_rows([submission], language="ja")
        shown = [(str(r["actor"]), str(r["action"])) for r in rows]

    system_rows = [row for row in shown if "基幹" in row[0]]
    system = f"基幹システム（{department.name}）"
    assert (system, "基幹システムが処理状況を更新しました") in system_rows
    assert (system, "基幹システムが取得しました") in system_rows


def test_the_system_api_has_its_own_openapi_document() -> None:
    answer = Client().get(f"{BASE}/openapi.json")

    assert answer.status_code == 200
    document = answer.json()
    assert document["info"]["title"] == "Madoguchi system API"
    assert set(document["paths"]) >= {
        f"{BASE}/token",
        f"{BASE}/changes",
        f"{BASE}/applications/{{id}}",
        f"{BASE}/applications/{{id}}/ack",
        f"{BASE}/applications/{{id}}/status",
        f"{BASE}/applications/{{id}}/returns",
    }
    schemas = document["components"]["schemas"]
    assert "corrections" in schemas["ApplicationOut"]["properties"]
    assert "correction" in schemas["ReturnSummary"]["properties"]
    assert "BearerAuth" in str(document["components"]) or "SystemBearer" in str(
        document["components"]
    )


def test_calls_are_rate_limited_per_client(department: Department) -> None:
    from django.test import override_settings

    from madoguchi.core.ratelimit import _limits

    vendor = Vendor([department])
    try:
        with override_settings(MADOGUCHI_RATE_LIMIT_OVERRIDES="system_api=2"):
            _limits.cache_clear()
            answers = [vendor.get("/changes").status_code for _ in range(3)]
    finally:
        _limits.cache_clear()

    assert answers == [200, 200, 429]


@given(
    after=st.one_of(st.none(), st.text(max_size=25)),
    limit=st.one_of(st.none(), st.text(max_size=8)),
)
def test_the_cursor_and_limit_parser_accepts_exactly_small_whole_numbers(
    after: str | None, limit: str | None
) -> None:
    def valid(text: str | None, low: int, high: int) -> bool:
        value = (text or "").strip()
        if not value:
            return True
        return value.isascii() and value.isdigit() and low <= int(value) <= high

    ok = valid(after, 0, 10**18 - 1) and valid(limit, 1, 500)
    try:
        page = system_api.parse_page(after, limit)
    except ValueError as refused:
        assert not ok, (after, limit, refused)
    else:
        assert ok, (after, limit)
        assert page.after == (int(after.strip()) if after and after.strip() else 0)
        assert page.limit == (int(limit.strip()) if limit and limit.strip() else 100)
        assert 1 <= page.limit <= 500


@given(after=st.integers(min_value=0, max_value=10**18 - 1), limit=st.integers(1, 500))
def test_the_parser_gives_back_every_valid_page(after: int, limit: int) -> None:
    page = system_api.parse_page(str(after), str(limit))

    assert (page.after, page.limit) == (after, limit)


def test_two_concurrent_retries_with_one_key_make_one_change(transactional_db: None) -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        # The test database of SQLite is in memory with a shared cache: a second writer fails
        # at once ("table is locked") instead of waiting, which says nothing about the code.
        pytest.skip("concurrent writers: run with DATABASE_URL=postgres://...")
    department = DepartmentFactory()
    submission = submit_application(publish_form(department=department))
    vendor = Vendor([department], scope="read_status")
    client = vendor.issued.client
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(
                clients_services.set_status(
                    client=client,
                    actor="system_client:test",
                    submission=Submission.objects.get(pk=submission.pk),
                    to_status="in_review",
                    message="",
                    key="same-key",
                )
            )
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(isinstance(r, clients_services.StatusResult) for r in results), results
    assert sorted(r.replayed for r in results) == [False, True]
    assert StatusChange.objects.filter(submission=submission).count() == 1


def test_a_signed_application_links_its_signature_evidence(department: Department) -> None:
    from madoguchi.signatures.models import SignatureEvidence

    submission = submit_application(publish_form(department=department))
    SignatureEvidence.objects.create(
        submission=submission,
        document_sha256=submission.document_sha256,
        cms=b"\x30\x80cms",
        certificate=b"\x30\x82cert",
        certificate_sha256="ef" * 32,
        crls=[],
        validation={"status": "valid"},
        signer_serial="1",
        signer_issuer="CN=test",
        signed_at=timezone.now(),
    )
    vendor = Vendor([department])

    evidence = vendor.get(f"/applications/{submission.public_id}").json()["evidence"]
    bundle = vendor.browser.get(evidence["signature_url"])

    assert evidence["signed"] is True
    assert bundle.status_code == 200
    assert bundle.json()["format"] == "madoguchi-signature/1"
    assert bundle.json()["document_sha256"] == submission.document_sha256
    assert base64.b64decode(bundle.json()["cms"]) == b"\x30\x80cms"
    whats = [
        e.detail["what"]
        for e in LedgerEntry.objects.filter(event=events.Event.SYSTEM_FETCHED.value)
    ]
    assert whats == ["application", "signature"]
