"""The change feed: one entry per event about an application, in the transaction of the change."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from madoguchi.core import events
from madoguchi.counter import services as counter_services
from madoguchi.forms.models import FormVersion
from madoguchi.integrations.feed_selectors import entries_after
from madoguchi.integrations.models import FeedEntry, FeedKind, SubjectIndex
from madoguchi.mailin import intake
from madoguchi.mailin.tests.test_intake import code_of, mail_application
from madoguchi.payments import changes
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.payments.tests import data as payment_data
from madoguchi.submissions import corrections, workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing import counter as counter_data
from madoguchi.testing.factories import (
    DepartmentFactory,
    PaymentFactory,
    publish_form,
    submit_application,
)

pytestmark = pytest.mark.django_db


def pay(payment: Payment) -> None:
    changes.move(changes.lock(payment), PaymentStatus.PAID, actor="provider", now=timezone.now())


def pending_payment(submission: Submission) -> Payment:
    payment: Payment = PaymentFactory(
        submission=submission, status=PaymentStatus.PENDING, paid_at=None, receipt_serial=""
    )
    return payment


def kinds(submission: Submission | None = None) -> list[str]:
    entries = FeedEntry.objects.order_by("id")
    if submission is not None:
        entries = entries.filter(submission=submission)
    return list(entries.values_list("kind", flat=True))


def test_a_submission_writes_one_entry_and_its_subject_in_the_index(
    form_version: FormVersion,
) -> None:
    submission = submit_application(form_version)

    entry = FeedEntry.objects.get()
    assert entry.kind == FeedKind.SUBMITTED
    assert entry.submission == submission
    assert entry.department_id == submission.department_id
    assert entry.municipality_id == submission.municipality_id
    assert entry.status == Status.RECEIVED
    index = SubjectIndex.objects.get()
    assert index.submission == submission
    assert index.subject == events.submission_subject(submission.public_id)


def test_a_status_change_writes_one_entry_with_the_new_status(
    form_version: FormVersion, staff: StaffMember
) -> None:
    submission = submit_application(form_version)

    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)

    assert kinds(submission) == [FeedKind.SUBMITTED, FeedKind.STATUS_CHANGED]
    assert FeedEntry.objects.order_by("id").last().status == Status.IN_REVIEW  # type: ignore[union-attr]


def test_a_resubmission_after_a_return_for_correction_is_its_own_kind(
    form_version: FormVersion, staff: StaffMember
) -> None:
    submission = submit_application(form_version)
    correction, _token = workflow.return_for_correction(
        submission=submission, staff=staff, reason="人数を書いてください。", fields=["count"]
    )

    result = corrections.resubmit(correction=correction, data={"count": "2"}, files={})

    assert result.ok, result
    assert kinds(submission) == [
        FeedKind.SUBMITTED,
        FeedKind.STATUS_CHANGED,
        FeedKind.RESUBMITTED,
    ]
    assert FeedEntry.objects.order_by("id").last().status == Status.RESUBMITTED  # type: ignore[union-attr]


def test_a_payment_event_writes_one_entry_with_the_payment_as_reference(
    form_version: FormVersion,
) -> None:
    submission = submit_application(form_version)
    payment = pending_payment(submission)

    with transaction.atomic():
        pay(payment)

    assert kinds(submission) == [FeedKind.SUBMITTED, FeedKind.PAYMENT]
    assert FeedEntry.objects.order_by("id").last().reference == str(payment.public_id)  # type: ignore[union-attr]


def test_a_fee_asked_while_submitting_comes_after_the_submission_in_the_feed() -> None:
    # A fee paid at application is asked by payments' after_submit hook, which records its
    # payment event while the submission is made: the feed's hook runs before it.
    submission = payment_data.application()

    assert kinds(submission) == [FeedKind.SUBMITTED, FeedKind.PAYMENT]


def test_a_mail_arrival_writes_its_entry_after_the_submission(
    form_version: FormVersion, staff: StaffMember
) -> None:
    application = mail_application(form_version)

    submission = intake.accept(
        staff=staff, text=code_of(application), received_on=timezone.localdate()
    )

    assert kinds(submission) == [FeedKind.SUBMITTED, FeedKind.MAIL_ARRIVED]
    assert FeedEntry.objects.order_by("id").last().reference == application.reference  # type: ignore[union-attr]


def test_a_counter_check_in_writes_an_entry_of_its_department_without_an_application() -> None:
    preregistration, _token = counter_data.preregistration()
    clerk = counter_data.clerk(preregistration.department)
    visit = counter_services.open_visit(clerk=clerk, counter_name="3番窓口")
    before = FeedEntry.objects.count()

    counter_services.check_in(visit=visit, preregistration=preregistration, clerk=clerk)

    entry = FeedEntry.objects.order_by("id").last()
    assert FeedEntry.objects.count() == before + 1
    assert entry is not None and entry.kind == FeedKind.COUNTER_CHECKED_IN
    assert entry.submission is None
    assert entry.department_id == preregistration.department_id
    assert entry.reference == preregistration.reference


def test_a_change_rolled_back_leaves_no_entry(
    form_version: FormVersion, staff: StaffMember
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        submit_application(form_version)
        raise RuntimeError("the request failed after the submission")

    assert FeedEntry.objects.count() == 0
    assert SubjectIndex.objects.count() == 0


def test_entries_after_a_cursor_keep_to_the_departments_and_forms_asked(
    department: Department, form_version: FormVersion
) -> None:
    other_form = publish_form(department=department, slug="other")
    other_department: Department = DepartmentFactory(municipality=department.municipality)
    elsewhere = publish_form(department=other_department, slug="elsewhere")
    first = submit_application(form_version)
    second = submit_application(other_form)
    submit_application(elsewhere)
    third = submit_application(form_version)

    mine = entries_after(0, departments=[department], limit=10)
    assert [e.submission for e in mine] == [first, second, third]
    assert [e.submission for e in entries_after(mine[0].id, departments=[department], limit=1)] == [
        second
    ]
    only_form = entries_after(0, departments=[department.pk], forms=[form_version.form], limit=10)
    assert [e.submission for e in only_form] == [first, third]
    assert entries_after(mine[-1].id, departments=[department], limit=10) == []
