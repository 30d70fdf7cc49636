"""Status emails go out only for changes the applicant should hear about, as the form says."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from pydantic import ValidationError

from madoguchi.forms.schema import FormSchema
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import SIMPLE_SCHEMA, publish_form, submit_application
from madoguchi.testing.files import pdf_bytes

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]


def submitted(department: Department, **settings: Any) -> Submission:
    schema = copy.deepcopy(SIMPLE_SCHEMA) | settings
    submission = submit_application(publish_form(department=department, schema=schema))
    mail.outbox.clear()
    return submission


def move(submission: Submission, staff: StaffMember, status: str, capture: Capture) -> None:
    with capture(execute=True):
        workflow.change_status(
            submission=submission, to_status=status, staff=staff, reason="理由があります"
        )


def test_taking_an_application_into_review_sends_no_email_by_default(
    department: Department, staff: StaffMember, django_capture_on_commit_callbacks: Capture
) -> None:
    submission = submitted(department)

    move(submission, staff, Status.IN_REVIEW, django_capture_on_commit_callbacks)

    assert mail.outbox == []


@pytest.mark.parametrize("decision", [Status.APPROVED, Status.REJECTED])
def test_a_decision_is_emailed_by_default(
    department: Department,
    staff: StaffMember,
    django_capture_on_commit_callbacks: Capture,
    decision: str,
) -> None:
    submission = submitted(department)
    move(submission, staff, Status.IN_REVIEW, django_capture_on_commit_callbacks)

    move(submission, staff, decision, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1


def test_completing_after_a_decision_sends_no_second_email_by_default(
    department: Department, staff: StaffMember, django_capture_on_commit_callbacks: Capture
) -> None:
    submission = submitted(department)
    for status in (Status.IN_REVIEW, Status.APPROVED):
        move(submission, staff, status, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    move(submission, staff, Status.COMPLETED, django_capture_on_commit_callbacks)

    assert mail.outbox == []


def test_a_delivered_result_is_emailed_by_default(
    department: Department, staff: StaffMember, django_capture_on_commit_callbacks: Capture
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    submission = submitted(department)
    for status in (Status.IN_REVIEW, Status.APPROVED):
        move(submission, staff, status, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.deliver_result(
            submission=submission,
            staff=staff,
            upload=SimpleUploadedFile("kekka.pdf", pdf_bytes(), "application/pdf"),
        )

    assert len(mail.outbox) == 1


def test_a_form_can_choose_to_email_the_start_of_the_review_and_not_the_decision(
    department: Department, staff: StaffMember, django_capture_on_commit_callbacks: Capture
) -> None:
    submission = submitted(department, notify_statuses=["in_review"])

    move(submission, staff, Status.IN_REVIEW, django_capture_on_commit_callbacks)
    move(submission, staff, Status.APPROVED, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1


def test_a_return_for_correction_is_emailed_even_when_the_form_chose_no_status(
    department: Department, staff: StaffMember, django_capture_on_commit_callbacks: Capture
) -> None:
    submission = submitted(department, notify_statuses=[])
    move(submission, staff, Status.IN_REVIEW, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_for_correction(
            submission=submission, staff=staff, reason="番地が不足しています", fields=["name"]
        )

    assert len(mail.outbox) == 1


def test_an_unknown_status_in_the_setting_is_refused() -> None:
    with pytest.raises(ValidationError):
        FormSchema.model_validate(SIMPLE_SCHEMA | {"notify_statuses": ["returned_x"]})


def test_forms_published_before_the_setting_get_the_default() -> None:
    schema = FormSchema.model_validate(SIMPLE_SCHEMA)

    assert schema.notify_statuses == ["approved", "rejected", "result_delivered"]
    assert not schema.notifies("in_review")
    assert schema.notifies("returned")
