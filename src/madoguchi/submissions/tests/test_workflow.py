"""The review workflow: who may move a submission where, 差し戻し and the resubmission."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from madoguchi.core import events
from madoguchi.forms.models import FormVersion
from madoguchi.ledger import selectors as ledger_selectors
from madoguchi.submissions import resident_session, workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    SIMPLE_SCHEMA,
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.files import pdf_bytes
from madoguchi.testing.http import redirect_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(form_version: FormVersion) -> Submission:
    mail.outbox.clear()
    return submit_application(form_version, language="en", name="加賀 太郎")


def _status(submission: Submission) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=submission.pk)


def test_a_submission_goes_from_received_through_review_to_completed(
    submission: Submission, staff: StaffMember
) -> None:
    for target in (Status.IN_REVIEW, Status.APPROVED, Status.COMPLETED):
        workflow.change_status(submission=submission, to_status=target, staff=staff)

    changes = list(submission.status_changes.values_list("from_status", "to_status"))
    assert changes == [
        ("received", "in_review"),
        ("in_review", "approved"),
        ("approved", "completed"),
    ]
    assert _status(submission) == Status.COMPLETED
    logged = ledger_selectors.entries_about(
        [events.submission_subject(submission.public_id)], [events.Event.STATUS_CHANGED.value]
    )
    assert [e.detail["to"] for e in logged.order_by("index")] == [
        "in_review",
        "approved",
        "completed",
    ]


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ((), Status.APPROVED),
        ((), Status.COMPLETED),
        ((Status.IN_REVIEW, Status.APPROVED), Status.REJECTED),
        ((Status.IN_REVIEW, Status.APPROVED, Status.COMPLETED), Status.IN_REVIEW),
    ],
)
def test_a_step_the_workflow_does_not_have_is_refused_and_changes_nothing(
    submission: Submission, staff: StaffMember, path: tuple[str, ...], target: str
) -> None:
    for step in path:
        workflow.change_status(submission=submission, to_status=step, staff=staff)

    with translation.override("en"), pytest.raises(workflow.WorkflowRefused) as refused:
        workflow.change_status(submission=submission, to_status=target, staff=staff, reason="x")

    assert "cannot become" in refused.value.message
    assert submission.status_changes.count() == len(path)


def test_rejecting_needs_a_reason_the_applicant_can_read(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    with translation.override("en"), pytest.raises(workflow.WorkflowRefused) as refused:
        workflow.change_status(submission=submission, to_status=Status.REJECTED, staff=staff)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.change_status(
            submission=submission, to_status=Status.REJECTED, staff=staff, reason="対象外です"
        )
    assert "reason" in refused.value.message
    assert _status(submission) == Status.REJECTED
    assert "対象外です" in mail.outbox[-1].body


def test_read_only_staff_and_other_departments_cannot_change_anything(
    submission: Submission, department: Department
) -> None:
    reader = StaffFactory(
        municipality=department.municipality, role=StaffRole.READ_ONLY, departments=[department]
    )
    elsewhere = StaffFactory(
        municipality=department.municipality,
        departments=[DepartmentFactory(municipality=department.municipality)],
    )

    for who in (reader, elsewhere):
        with pytest.raises(workflow.WorkflowRefused):
            workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=who)

    assert _status(submission) == Status.RECEIVED


def test_a_form_without_review_goes_straight_to_completed(
    department: Department, staff: StaffMember
) -> None:
    version = publish_form(
        department=department, slug="survey", schema={**SIMPLE_SCHEMA, "review": False}
    )
    submission = submit_application(version)

    with pytest.raises(workflow.WorkflowRefused):
        workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=submission, to_status=Status.COMPLETED, staff=staff)

    assert _status(submission) == Status.COMPLETED


def test_bulk_changes_each_submission_on_its_own(
    form_version: FormVersion, staff: StaffMember
) -> None:
    first = submit_application(form_version)
    second = submit_application(form_version)
    workflow.change_status(submission=second, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=second, to_status=Status.APPROVED, staff=staff)

    result = workflow.change_status_bulk(
        submissions=[first, second], to_status=Status.IN_REVIEW, staff=staff
    )

    assert result.changed == [first.receipt_number]
    assert list(result.refused) == [second.receipt_number]


def _return(submission: Submission, staff: StaffMember, fields: list[str]) -> str:
    _correction, token = workflow.return_for_correction(
        submission=submission,
        staff=staff,
        reason="フリガナが氏名と一致しません。",
        fields=fields,
    )
    return token


def test_a_returned_application_is_corrected_and_resubmitted_under_the_same_number(
    submission: Submission, staff: StaffMember, django_capture_on_commit_callbacks: Any
) -> None:
    first_document = submission.document_sha256
    with django_capture_on_commit_callbacks(execute=True):
        token = _return(submission, staff, ["name_kana"])
    resident = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("submissions:correction", args=[token])

    page = resident.get(url)
    wrong = resident.post(url, {"name_kana": "abc", "name": "別人"})
    checked = resident.post(url, {"name_kana": "カガ ジロウ", "name": "別人"})
    with django_capture_on_commit_callbacks(execute=True):
        fixed = resident.post(reverse("submissions:correction_review", args=[token]))

    assert "フリガナが氏名と一致しません。" in page.text
    assert 'name="name"' not in page.text  # only the reopened answer is editable
    assert wrong.status_code == 422 and 'value="abc"' in wrong.text
    assert redirect_of(checked) == (302, reverse("submissions:correction_review", args=[token]))
    assert redirect_of(fixed) == (302, reverse("submissions:done", args=[submission.public_id]))
    corrected = Submission.objects.get(pk=submission.pk)
    assert corrected.receipt_number == submission.receipt_number
    assert corrected.status == Status.RESUBMITTED
    assert corrected.answers["name_kana"] == "カガ\u3000ジロウ"
    assert corrected.answers["name"] == "加賀 太郎"
    assert corrected.document_sha256 != first_document
    correction = corrected.corrections.get()
    assert correction.previous_answers["name_kana"] == submission.answers["name_kana"]
    assert correction.previous_document_sha256 == first_document
    assert resident.get(url).status_code == 404  # the link works once
    assert mail.outbox[0].subject.endswith("Returned for correction")
    assert url in mail.outbox[0].body
    assert mail.outbox[-1].subject.endswith("Resubmitted")


def test_answers_from_the_card_cannot_be_reopened(
    submission: Submission, staff: StaffMember
) -> None:
    Submission.objects.filter(pk=submission.pk).update(prefilled_fields=["name"])
    submission.refresh_from_db()

    with translation.override("en"), pytest.raises(workflow.WorkflowRefused) as refused:
        _return(submission, staff, ["name"])

    assert "My Number Card" in refused.value.message
    assert _status(submission) == Status.RECEIVED


@pytest.mark.parametrize("fields", [[], ["no_such_question"]])
def test_a_return_must_name_real_answers(
    submission: Submission, staff: StaffMember, fields: list[str]
) -> None:
    with pytest.raises(workflow.WorkflowRefused):
        _return(submission, staff, fields)

    assert not submission.corrections.exists()


PDF = pdf_bytes("決定通知書")


def test_a_result_is_delivered_once_approved_and_only_the_applicant_can_fetch_it(
    submission: Submission, staff: StaffMember
) -> None:
    with pytest.raises(workflow.WorkflowRefused):  # not decided yet
        workflow.deliver_result(
            submission=submission,
            staff=staff,
            upload=SimpleUploadedFile("kettei.pdf", PDF),
        )
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)
    workflow.change_status(submission=submission, to_status=Status.APPROVED, staff=staff)
    with pytest.raises(workflow.WorkflowRefused):  # not a PDF
        workflow.deliver_result(
            submission=submission, staff=staff, upload=SimpleUploadedFile("a.pdf", b"MZ\x90")
        )
    document = workflow.deliver_result(
        submission=submission, staff=staff, upload=SimpleUploadedFile("kettei.pdf", PDF)
    )
    url = reverse(
        "submissions:result_download", args=[submission.municipality.lg_code, document.pk]
    )
    stranger = Client()
    applicant = Client()
    session = applicant.session
    resident_session.remember_receipt(session, "x", str(submission.public_id))
    session.save()

    assert stranger.get(url).status_code == 404
    response = applicant.get(url)
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert _status(submission) == Status.COMPLETED
    document.refresh_from_db()
    assert document.first_downloaded_at is not None
    assert ledger_selectors.entries_about(
        [events.submission_subject(submission.public_id)], [events.Event.RESULT_DELIVERED.value]
    ).exists()
