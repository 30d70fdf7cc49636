"""差し戻し of an encrypted application on the internet node: staff or a back-office system
return it by the schema's questions, the resident enters the reopened answers afresh, and the
resend is sealed (integrations.sealing.seal_correction) for the LGWAN node to open."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.integrations import crypto, key_services, sealing
from madoguchi.integrations.models import (
    EncryptionKey,
    FeedEntry,
    FeedKind,
    KeyPurpose,
    SealedCorrection,
    StatusUpdate,
)
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions import corrections, workflow
from madoguchi.submissions.models import Correction, Status, Submission
from madoguchi.submissions.resident_views import history_rows
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.files import pdf_bytes

from .test_sealing import _only, submit_with_file
from .test_sealing import sealed_form as sealed_form
from .test_sealing_database import _database_text, _forms, _found, _media_files
from .test_system_api import Vendor

pytestmark = pytest.mark.django_db

Sealed = tuple[FormVersion, dict[str, bytes]]


@pytest.fixture
def application(sealed_form: Sealed, django_capture_on_commit_callbacks: Any) -> Submission:
    version, _private = sealed_form
    with django_capture_on_commit_callbacks(execute=True):
        return submit_with_file(
            version, name="封緘 差戻子", note="最初の事情", file=pdf_bytes("first card")
        )


def _return_by_staff(submission: Submission, staff: StaffMember, **kw: Any) -> str:
    _correction, token = workflow.return_for_correction(
        submission=submission,
        staff=staff,
        reason=kw.get("reason", "事情の記載と保険証の画像が不鮮明です"),
        fields=kw.get("fields", ["note", "card"]),
    )
    return token


def test_staff_return_a_sealed_application_by_the_forms_questions(
    application: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        correction, token = workflow.return_for_correction(
            submission=application, staff=staff, reason="事情を詳しく", fields=["note"]
        )

    assert Submission.objects.get(pk=application.pk).status == Status.RETURNED
    assert correction.requested_by == staff and correction.requested_by_system == ""
    assert reverse("submissions:correction", args=[token]) in mail.outbox[-1].body
    assert "最初の事情" not in mail.outbox[-1].body


def test_staff_return_a_sealed_application_from_its_page_by_the_questions_they_choose(
    application: Submission, staff: StaffMember, log_in: Any
) -> None:
    browser = log_in(staff)
    detail = reverse("backoffice:detail", args=[application.receipt_number])

    page = browser.get(detail)
    returned = browser.post(
        reverse("backoffice:change_status", args=[application.receipt_number]),
        {"to_status": "returned", "reason": "事情を詳しく", "fields": ["note", "card"]},
    )

    assert 'name="fields" value="note"' in page.text and "最初の事情" not in page.text
    assert returned.status_code == 302
    assert Correction.objects.get(submission=application).fields == ["note", "card"]
    assert Submission.objects.get(pk=application.pk).status == Status.RETURNED


def test_the_correction_page_asks_the_reopened_answers_afresh_and_says_why(
    application: Submission, staff: StaffMember
) -> None:
    token = _return_by_staff(application, staff)

    with translation.override("ja"):
        page = Client().get(reverse("submissions:correction", args=[token]))
    with translation.override("en"):
        english = Client(HTTP_ACCEPT_LANGUAGE="en").get(
            reverse("submissions:correction", args=[token]), headers={"accept-language": "en"}
        )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="correction-sealed"' in html
    assert "暗号化" in html and "もう一度" in html
    assert re.search(
        r'<textarea[^>]*name="note"[^>]*>\s*</textarea>|name="note"(?![^>]*value="[^"])', html
    )
    assert "最初の事情" not in html and "sealed-" not in html
    assert "encrypted" in english.content.decode()


def test_errors_on_the_sealed_correction_page_keep_what_was_typed(
    application: Submission, staff: StaffMember
) -> None:
    token = _return_by_staff(application, staff)
    url = reverse("submissions:correction", args=[token])

    answer = Client().post(url, {"note": "新しい事情をここに書きました"})

    assert answer.status_code == 422
    html = answer.content.decode()
    assert "新しい事情をここに書きました" in html
    assert 'data-testid="correction-sealed"' in html
    assert Submission.objects.get(pk=application.pk).status == Status.RETURNED
    assert not SealedCorrection.objects.exists()


def test_the_resend_is_sealed_and_nothing_of_it_stays_in_clear(
    sealed_form: Sealed,
    application: Submission,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _version, private = sealed_form
    token = _return_by_staff(application, staff)
    new_scan = pdf_bytes("KIWI-NEW-SCAN-9921 insurance card")

    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        answer = browser.post(
            reverse("submissions:correction", args=[token]),
            {
                "note": "KIWI-NOTE-4410 新しい事情",
                "card": SimpleUploadedFile(
                    "kiwi-新しい-card.pdf", new_scan, content_type="application/pdf"
                ),
            },
        )

    assert answer.status_code == 302
    done = browser.get(answer["Location"])
    assert done.status_code == 200 and application.receipt_number in done.content.decode()
    stored = Submission.objects.get(pk=application.pk)
    assert stored.status == Status.RESUBMITTED and stored.answers == {}
    correction = Correction.objects.get(submission=stored)
    row = SealedCorrection.objects.get(correction=correction)
    secret = {
        "note": _forms("KIWI-NOTE-4410"),
        "note in Japanese": _forms("新しい事情"),
        "file name": _forms("kiwi-新しい-card"),
        "file bytes": [new_scan],
    }
    assert _found(secret, _database_text()) == set()
    assert _found(secret, _media_files()) == set()
    # The old file left the application for the correction's history; the new one is sealed.
    attachment = stored.attachments.get()
    assert (
        attachment.field_key == "card" and attachment.sha256 == hashlib.sha256(new_scan).hexdigest()
    )
    assert set(row.files) == {str(attachment.pk)}
    resubmitted = LedgerEntry.objects.filter(
        event=events.Event.STATUS_CHANGED.value,
        subject=events.submission_subject(stored.public_id),
    ).last()
    assert resubmitted is not None
    assert resubmitted.detail["to"] == Status.RESUBMITTED
    assert resubmitted.detail["sealed_correction"] == row.plaintext_sha256
    assert FeedEntry.objects.filter(submission=stored, kind=FeedKind.RESUBMITTED).exists()
    # The department's key opens it (the full round trip through the API is below).
    payload = {"id": correction.pk, "sealed": sealing.sealed_correction_payload(correction)}
    with attachment.file.open("rb") as file:
        opened = sealing.open_correction_payload(
            payload,
            _only(private, KeyPurpose.DEPARTMENT),
            public_id=stored.public_id,
            files={str(attachment.pk): file.read()},
        )
    assert opened["answers"]["note"] == "KIWI-NOTE-4410 新しい事情"
    assert opened["files"][str(attachment.pk)]["name"] == "kiwi-新しい-card.pdf"
    assert opened["attachments"] == {str(attachment.pk): new_scan}


def test_a_back_office_system_returns_a_sealed_application_and_opens_the_resend(
    sealed_form: Sealed,
    application: Submission,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _version, private = sealed_form
    vendor = Vendor([application.department], scope="read_status")
    path = f"/applications/{application.public_id}/returns"
    body = {"fields": ["note"], "reason": "事情を詳しく書いてください", "idempotency_key": "r1"}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = vendor.post(path, body)
    retry = vendor.post(path, body)
    reused = vendor.post(path, body | {"reason": "別の理由"})

    assert first.status_code == 201, first.content
    made = first.json()
    assert made["status"] == "returned" and made["replayed"] is False
    assert made["correction"]["fields"] == ["note"]
    assert made["correction"]["reason"] == "事情を詳しく書いてください"
    assert made["status_history"][-1]["to_status"] == "returned"
    assert retry.status_code == 201 and retry.json()["replayed"] is True
    assert retry.json()["correction"]["id"] == made["correction"]["id"]
    assert reused.status_code == 422 and reused.json()["code"] == "client_refused"
    assert Correction.objects.filter(submission=application).count() == 1
    correction = Correction.objects.get(submission=application)
    assert correction.requested_by is None
    assert correction.requested_by_system.startswith("system_client:")
    assert StatusUpdate.objects.get(key="r1").correction == correction
    link = re.search(r"https?://\S+/correct/\S+", str(mail.outbox[-1].body))
    assert link is not None
    returned = LedgerEntry.objects.filter(
        event=events.Event.STATUS_CHANGED.value,
        subject=events.submission_subject(application.public_id),
    ).last()
    assert returned is not None and returned.detail["by"] == "system"
    assert returned.actor.startswith("system_client:")
    with translation.override("ja"):
        rows = [
            (str(r["actor"]), str(r["action"])) for r in history_rows([application], language="ja")
        ]
    assert any(actor == f"基幹システム（{application.department.name}）" for actor, _ in rows)

    token = link.group(0).rstrip("/").rsplit("/", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        sent = Client().post(
            reverse("submissions:correction", args=[token]), {"note": "詳しい事情 LYNX-22"}
        )
    assert sent.status_code == 302

    fetched = vendor.get(f"/applications/{application.public_id}").json()
    [item] = fetched["corrections"]
    assert item["id"] == correction.pk and item["answers"] is None
    assert item["resubmitted_at"] is not None and item["files"] == []
    assert "LYNX" not in str(fetched)
    for purpose in (KeyPurpose.DEPARTMENT, KeyPurpose.ESCROW):
        opened = sealing.open_correction_payload(
            item, _only(private, purpose), public_id=fetched["id"]
        )
        assert opened["answers"] == {"note": "詳しい事情 LYNX-22"}
        assert opened["files"] == {} and opened["attachments"] == {}
    with pytest.raises(crypto.SealError):
        sealing.open_correction_payload(item, _only(private, KeyPurpose.DEPARTMENT), public_id="x")


def test_a_sealed_correction_with_a_new_file_is_opened_from_the_api_files(
    sealed_form: Sealed,
    application: Submission,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _version, private = sealed_form
    token = _return_by_staff(application, staff)
    scan = pdf_bytes("new card scan")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            reverse("submissions:correction", args=[token]),
            {
                "note": "n",
                "card": SimpleUploadedFile("c.pdf", scan, content_type="application/pdf"),
            },
        )
    vendor = Vendor([application.department])

    fetched = vendor.get(f"/applications/{application.public_id}").json()
    [item] = fetched["corrections"]
    [listed] = item["files"]
    stored = Client().get(listed["url"])
    content = b"".join(stored.streaming_content)  # type: ignore[attr-defined]

    assert listed["sealed"] is True and content != scan
    opened = sealing.open_correction_payload(
        item,
        _only(private, KeyPurpose.ESCROW),
        public_id=fetched["id"],
        files={str(listed["id"]): content},
    )
    assert opened["attachments"] == {str(listed["id"]): scan}
    assert opened["answers"]["card"][0]["sha256"] == hashlib.sha256(scan).hexdigest()


def test_returns_follow_the_staff_rules_as_the_documented_refusals(
    application: Submission,
) -> None:
    vendor = Vendor([application.department], scope="read_status")
    path = f"/applications/{application.public_id}/returns"

    def ask(key: str, **body: Any) -> Any:
        return vendor.post(path, {"fields": ["note"], "reason": "r", "idempotency_key": key} | body)

    no_reason = ask("a", reason=" ")
    no_fields = ask("b", fields=[])
    unknown = ask("c", fields=["nope"])
    no_key = ask("", fields=["note"])
    first = ask("d")
    again = ask("e")  # returned already: the workflow allows no second return now

    assert [a.status_code for a in (no_reason, no_fields, unknown, no_key)] == [422] * 4
    assert {a.json()["code"] for a in (no_reason, no_fields, unknown, no_key)} == {"client_refused"}
    assert "nope" in unknown.json()["message"]
    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["code"] == "status_refused"
    assert Correction.objects.filter(submission=application).count() == 1


def test_returning_needs_the_read_status_scope_and_another_departments_application_is_not_found(
    application: Submission,
) -> None:
    other: Department = DepartmentFactory(municipality=application.municipality)  # type: ignore[assignment]
    body = {"fields": ["note"], "reason": "r", "idempotency_key": "k"}
    path = f"/applications/{application.public_id}/returns"

    reader = Vendor([application.department], scope="read").post(path, body)
    stranger = Vendor([other], scope="read_status").post(path, body)

    assert reader.status_code == 403
    assert stranger.status_code == 404 and stranger.json()["code"] == "not_found"
    assert Submission.objects.get(pk=application.pk).status == Status.RECEIVED


def test_a_sealed_application_of_a_signed_form_is_not_returned_and_says_why(
    application: Submission, staff: StaffMember
) -> None:
    signed = publish_form(
        department=application.department,
        slug="signed",
        schema=SIMPLE_SCHEMA | {"identity": "mynumber_sign"},
    )
    Submission.objects.filter(pk=application.pk).update(form_version=signed)
    application.refresh_from_db()

    with translation.override("en"), pytest.raises(workflow.WorkflowRefused) as refused:
        workflow.return_for_correction(
            submission=application, staff=staff, reason="r", fields=["name"]
        )

    assert "signed" in refused.value.message and "apply again" in refused.value.message
    assert Submission.objects.get(pk=application.pk).status == Status.RECEIVED


def test_a_clear_applications_corrections_carry_the_new_answers(department: Department) -> None:
    submission = submit_application(publish_form(department=department))
    vendor = Vendor([department], scope="read_status")
    vendor.post(
        f"/applications/{submission.public_id}/returns",
        {"fields": ["name"], "reason": "漢字の誤り", "idempotency_key": "k"},
    )
    correction = Correction.objects.get(submission=submission)
    corrections.apply_correction(
        correction=correction, answers=dict(submission.answers) | {"name": "加賀 次郎"}
    )

    [item] = vendor.get(f"/applications/{submission.public_id}").json()["corrections"]

    assert item["answers"] == {"name": "加賀 次郎"} and item["sealed"] is None
    assert item["reason"] == "漢字の誤り" and item["fields"] == ["name"]


def test_a_resend_is_sealed_to_the_departments_current_key_or_waits_for_one(
    sealed_form: Sealed,
    application: Submission,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _version, private = sealed_form
    token = _return_by_staff(application, staff, fields=["note"])
    url = reverse("submissions:correction", args=[token])
    EncryptionKey.objects.filter(purpose=KeyPurpose.DEPARTMENT).update(retired_at=timezone.now())

    waiting = Client().post(url, {"note": "鍵のない間に書いた事情"})

    assert waiting.status_code == 409
    assert "暗号鍵が登録されていません" in waiting.text and "鍵のない間に書いた事情" in waiting.text
    assert Submission.objects.get(pk=application.pk).status == Status.RETURNED
    assert not SealedCorrection.objects.exists()

    secret, public = crypto.generate_keypair()
    key_services.register_key(
        municipality=application.municipality,
        department=application.department,
        purpose=KeyPurpose.DEPARTMENT,
        public_key=crypto.b64encode(public),
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = Client().post(url, {"note": "鍵の更新後の事情"})

    assert sent.status_code == 302
    correction = Correction.objects.get(submission=application)
    item = {"id": correction.pk, "sealed": sealing.sealed_correction_payload(correction)}
    new_key = {crypto.fingerprint(public): secret}
    opened = sealing.open_correction_payload(item, new_key, public_id=application.public_id)
    assert opened["answers"] == {"note": "鍵の更新後の事情"}
    with pytest.raises(crypto.SealError):
        sealing.open_correction_payload(
            item, _only(private, KeyPurpose.DEPARTMENT), public_id=application.public_id
        )
