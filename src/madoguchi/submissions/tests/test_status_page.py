"""The status page (申請状況) behind a secret link: access rules, withdrawal, emails."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.identity.models import Assurance, IdentityProvider, VerifiedIdentity
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.submissions import resident_session, status_links, workflow
from madoguchi.submissions.models import Correction, Status, StatusLink, Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import submit_application
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.http import redirect_of

pytestmark = pytest.mark.django_db

PDF = pdf_bytes("決定通知書")


@pytest.fixture
def submission(form_version: FormVersion, django_capture_on_commit_callbacks: Any) -> Submission:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made: Submission = submit_application(form_version, language="ja", name="加賀 太郎")
    return made


@pytest.fixture
def provider_for_card(submission: Submission) -> IdentityProvider:
    return IdentityProvider.objects.create(
        municipality=submission.municipality,
        key="card",
        kind="digital_auth_app",
        name="デジタル認証アプリ",
        assurance=Assurance.MYNUMBER_CARD,
        issuer="https://idp.example.jp",
        client_id="madoguchi",
    )


def _link_in(body: str) -> str:
    match = re.search(r"https?://\S+(/status/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_the_confirmation_email_links_to_a_status_page_that_only_a_hash_of_is_stored(
    submission: Submission,
) -> None:
    path = _link_in(mail.outbox[0].body)
    token = path.split("/")[-2]

    page = Client().get(path)

    assert page.status_code == 200
    assert submission.receipt_number in page.content.decode()
    assert "受付しました" in page.content.decode() or "受け付けました" in page.content.decode()
    assert not StatusLink.objects.filter(token_hash=token).exists()
    assert StatusLink.objects.filter(submission=submission).count() == 1


def test_a_wrong_or_unknown_status_link_is_not_found(submission: Submission) -> None:
    client = Client()

    assert client.get(reverse("submissions:status", args=["nope"])).status_code == 404
    assert client.get(reverse("submissions:status_withdraw", args=["nope"])).status_code == 404
    assert client.post(reverse("submissions:status_withdraw", args=["nope"])).status_code == 404
    assert client.get(reverse("submissions:status_result", args=["nope", 1])).status_code == 404


def test_the_status_link_is_redacted_from_logs_and_the_page_is_not_cached(
    submission: Submission, caplog: pytest.LogCaptureFixture
) -> None:
    token = status_links.issue(submission)
    caplog.set_level(logging.DEBUG)

    page = Client().get(reverse("submissions:status", args=[token]))
    Client().get(reverse("submissions:status", args=[token + "x"]))

    assert "no-store" in page["Cache-Control"]
    assert token not in caplog.text
    assert "加賀" not in caplog.text


def test_the_resident_sees_the_approval_and_downloads_the_delivered_result(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    token = status_links.issue(submission)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
        workflow.change_status(
            submission=submission,
            to_status=Status.APPROVED,
            staff=staff,
            reason="助成金額は20,000円です。",
        )
        document = workflow.deliver_result(
            submission=submission, staff=staff, upload=SimpleUploadedFile("kettei.pdf", PDF)
        )
    client = Client()

    page = client.get(reverse("submissions:status", args=[token])).content.decode()
    download = client.get(reverse("submissions:status_result", args=[token, document.pk]))

    assert "審査が終わり、承認されました" in page
    assert "助成金額は20,000円です。" in page
    assert "kettei.pdf" in page
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    approved, delivered = mail.outbox[-2:]
    assert "審査が終わり、承認されました" in approved.body
    assert "手続きが完了しました。" in delivered.body
    assert "「kettei.pdf」" in delivered.body
    assert client.get(_link_in(delivered.body)).status_code == 200
    other = status_links.issue(submit_application(submission.form_version))
    assert (
        client.get(reverse("submissions:status_result", args=[other, document.pk])).status_code
        == 404
    )


def test_the_resident_withdraws_before_a_decision_and_staff_see_it_in_the_workflow(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    token = status_links.issue(submission)
    workflow.return_for_correction(
        submission=submission, staff=staff, reason="住所を確認してください", fields=["name"]
    )
    client = Client()

    ask = client.get(reverse("submissions:status_withdraw", args=[token]))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("submissions:status_withdraw", args=[token]))

    assert ask.status_code == 200
    assert redirect_of(done) == (302, reverse("submissions:status", args=[token]))
    submission.refresh_from_db()
    assert submission.status == Status.WITHDRAWN
    change = submission.status_changes.last()
    assert change is not None and change.actor is None and change.to_status == Status.WITHDRAWN
    logged = ledger_selectors.entries_about(
        [events.submission_subject(submission.public_id)], [events.Event.STATUS_CHANGED.value]
    ).order_by("-index")[0]
    assert logged.detail["to"] == "withdrawn" and logged.detail["by"] == "applicant"
    assert not Correction.objects.filter(
        submission=submission, expires_at__gt=timezone.now()
    ).exists()
    assert "申請を取り下げました" in mail.outbox[-1].body
    assert workflow.allowed_transitions(submission) == frozenset()


def test_a_decided_application_cannot_be_withdrawn(
    submission: Submission, staff: StaffMember
) -> None:
    token = status_links.issue(submission)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=submission, to_status=Status.APPROVED, staff=staff)

    page = Client().get(reverse("submissions:status", args=[token])).content.decode()
    refused = Client().post(reverse("submissions:status_withdraw", args=[token]))

    assert 'data-testid="status-withdraw"' not in page
    assert refused.status_code == 409
    assert "取り下げることはできません" in refused.content.decode()
    assert Submission.objects.get(pk=submission.pk).status == Status.APPROVED


def test_a_card_verified_status_link_shows_nothing_personal_without_the_card_login(
    submission: Submission, staff: StaffMember, provider_for_card: IdentityProvider
) -> None:
    now = timezone.now()
    identity = VerifiedIdentity.objects.create(
        provider=provider_for_card,
        subject="person-1",
        assurance=Assurance.MYNUMBER_CARD,
        basic_four={"name": "加賀 太郎"},
        authenticated_at=now,
        verified_at=now,
    )
    Submission.objects.filter(pk=submission.pk).update(identity=identity)
    workflow.return_for_correction(
        submission=submission, staff=staff, reason="秘密の理由", fields=["method"]
    )
    token = status_links.issue(submission)
    stranger = Client()
    owner = Client()
    session = owner.session
    resident_session.remember_person(session, identity)
    session.save()

    locked = stranger.get(reverse("submissions:status", args=[token])).content.decode()
    withdraw = stranger.post(reverse("submissions:status_withdraw", args=[token]))
    shown = owner.get(reverse("submissions:status", args=[token])).content.decode()

    assert 'data-testid="status-locked"' in locked
    assert "秘密の理由" not in locked and submission.receipt_number in locked
    assert redirect_of(withdraw) == (302, reverse("submissions:status", args=[token]))
    assert Submission.objects.get(pk=submission.pk).status == Status.RETURNED
    assert "秘密の理由" in shown


def test_the_confirmation_page_opens_a_status_page_for_the_browser_that_sent_it_only(
    submission: Submission,
) -> None:
    url = reverse("submissions:status_from_confirmation", args=[submission.public_id])
    applicant = Client()
    session = applicant.session
    resident_session.remember_receipt(session, "x", str(submission.public_id))
    session.save()

    opened = applicant.post(url)

    assert Client().post(url).status_code == 404
    assert opened.status_code == 302
    assert applicant.get(opened["Location"]).status_code == 200


def test_dates_on_the_status_page_are_wareki_with_the_western_year(
    submission: Submission,
) -> None:
    token = status_links.issue(submission)
    local = timezone.localtime(submission.submitted_at)

    page = Client().get(reverse("submissions:status", args=[token])).content.decode()

    assert f"令和{local.year - 2018}年" in page and f"（{local.year}年）" in page
