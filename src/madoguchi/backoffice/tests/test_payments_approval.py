"""事後決済: approving asks for the fee staff confirm, in the same transaction as the approval."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.forms.schema import FEE_MAX_AMOUNT
from madoguchi.ledger.models import LedgerEntry
from madoguchi.payments.models import Payment, Purpose
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.staff import log_in_staff

from .payment_fixtures import fee_form, pending

pytestmark = pytest.mark.django_db


def status_url(submission: Submission) -> str:
    return reverse("backoffice:change_status", args=[submission.receipt_number])


def detail_url(submission: Submission) -> str:
    return reverse("backoffice:detail", args=[submission.receipt_number])


def approve(browser: Client, submission: Submission, **fields: str) -> Any:
    data = {"to_status": "approved", "reason": "", "fee_qty_items": "3", "fee_unit_items": "1000"}
    return browser.post(status_url(submission), data | fields)


def status_of(submission: Submission) -> str:
    return Submission.objects.get(pk=submission.pk).status


def test_the_approval_form_offers_the_quote_of_the_answers(
    collection: Submission, clerk: StaffMember
) -> None:
    page = log_in_staff(clerk).get(detail_url(collection))

    assert page.status_code == 200
    html = page.text
    assert 'data-testid="fee-approval"' in html
    assert 'name="fee_qty_items" value="3"' in html
    assert 'name="fee_unit_items" value="1000"' in html
    assert "3,000 yen" in html


def test_approving_as_quoted_asks_the_applicant_for_the_fee(
    collection: Submission, clerk: StaffMember
) -> None:
    browser = log_in_staff(clerk)

    response = approve(browser, collection)

    assert response.status_code == 302
    assert status_of(collection) == Status.APPROVED
    payment = Payment.objects.get(submission=collection)
    assert (payment.amount, payment.status, payment.purpose) == (
        3000,
        PaymentStatus.PENDING,
        Purpose.AFTER_REVIEW,
    )
    assert payment.requested_by == clerk
    assert [(line["key"], line["quantity"], line["unit_amount"]) for line in payment.lines] == [
        ("items", 3, 1000)
    ]
    assert LedgerEntry.objects.filter(event=events.Event.PAYMENT_REQUESTED).count() == 1
    assert not collection.comments.exists()
    assert "asked to pay 3,000 yen" in browser.get(detail_url(collection)).text


def test_a_changed_fee_is_charged_and_its_reason_kept_in_the_comments(
    collection: Submission, clerk: StaffMember
) -> None:
    response = approve(
        log_in_staff(clerk),
        collection,
        fee_qty_items="４",  # full-width, as a Japanese keyboard types it
        fee_unit_items="１，２００",
        fee_reason="収集時に1点追加",
    )

    assert response.status_code == 302
    payment = Payment.objects.get(submission=collection)
    assert payment.amount == 4800
    assert payment.lines[0]["quantity"] == 4 and payment.lines[0]["unit_amount"] == 1200
    note = collection.comments.get().body
    assert "3,000" in note and "4,800" in note and "収集時に1点追加" in note


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Give the reason for changing the quoted fee of 3,000 yen"),
        ("ja", "見積りの手数料（3,000円）を変更する理由を入力してください"),
    ],
)
def test_a_changed_fee_without_a_reason_is_refused_and_keeps_what_was_typed(
    collection: Submission, clerk: StaffMember, language: str, message: str
) -> None:
    browser = log_in_staff(clerk, language=language)

    response = approve(browser, collection, fee_qty_items="5", reason="確認しました")

    assert response.status_code == 422
    assert message in response.text
    assert 'name="fee_qty_items" value="5"' in response.text
    assert "確認しました" in response.text
    assert 'href="#fee_reason"' in response.text
    assert status_of(collection) == Status.IN_REVIEW
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("language", "quantity_message", "unit_message"),
    [
        (
            "en",
            "Enter the quantity as a whole number from 0 to 9,999.",
            "Enter the unit amount in whole yen from 0 to 1,000,000.",
        ),
        (
            "ja",
            "数量は0から9,999までの整数で入力してください。",
            "単価は0円から1,000,000円までの整数（円）で入力してください。",
        ),
    ],
)
def test_amounts_that_are_not_whole_yen_are_named_each_and_kept(
    collection: Submission,
    clerk: StaffMember,
    language: str,
    quantity_message: str,
    unit_message: str,
) -> None:
    browser = log_in_staff(clerk, language=language)

    response = approve(
        browser, collection, fee_qty_items="1.5", fee_unit_items="-100", fee_reason="x"
    )

    assert response.status_code == 422
    assert quantity_message in response.text
    assert unit_message in response.text
    assert 'href="#fee_qty_items"' in response.text and 'href="#fee_unit_items"' in response.text
    assert 'value="1.5"' in response.text and 'value="-100"' in response.text
    assert status_of(collection) == Status.IN_REVIEW


def test_a_total_over_the_largest_payment_is_refused(
    collection: Submission, clerk: StaffMember
) -> None:
    response = approve(
        log_in_staff(clerk),
        collection,
        fee_qty_items="2",
        fee_unit_items=str(FEE_MAX_AMOUNT),
        fee_reason="大型",
    )

    assert response.status_code == 422
    assert "one payment can be at most 1,000,000 yen" in response.text
    assert 'href="#fee-lines"' in response.text
    assert not Payment.objects.exists()


def test_a_total_of_zero_needs_the_no_fee_choice(
    collection: Submission, clerk: StaffMember
) -> None:
    response = approve(log_in_staff(clerk), collection, fee_qty_items="0", fee_reason="減免")

    assert response.status_code == 422
    assert "The fee comes to 0 yen." in response.text
    assert status_of(collection) == Status.IN_REVIEW


def test_approving_without_a_fee_asks_for_no_payment_and_says_so(
    collection: Submission, clerk: StaffMember
) -> None:
    browser = log_in_staff(clerk)

    response = approve(browser, collection, no_fee="1", fee_reason="生活保護による減免")

    assert response.status_code == 302
    assert status_of(collection) == Status.APPROVED
    assert not Payment.objects.exists()
    assert (
        "approved without a fee: no payment was asked for"
        in browser.get(detail_url(collection)).text
    )
    assert "生活保護による減免" in collection.comments.get().body


def test_approving_again_after_a_pending_payment_replaces_it(
    collection: Submission, clerk: StaffMember
) -> None:
    old = pending(collection, amount=2000)

    approve(log_in_staff(clerk), collection)

    old.refresh_from_db()
    assert old.status == PaymentStatus.CANCELLED
    live = Payment.objects.get(submission=collection, status=PaymentStatus.PENDING)
    assert live.amount == 3000


def test_the_approval_is_not_taken_when_the_payment_cannot_be_asked_for(
    clerk: StaffMember,
) -> None:
    """A city without a payment account: the payments app refuses, nothing is approved."""
    elsewhere = DepartmentFactory()
    staff = StaffFactory(municipality=elsewhere.municipality, departments=[elsewhere])
    submission = submit_application(fee_form(elsewhere), count=2)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)

    response = approve(log_in_staff(staff), submission, fee_qty_items="2")

    assert response.status_code == 422
    assert "Online payment is not available for this municipality." in response.text
    assert status_of(submission) == Status.IN_REVIEW
    assert not submission.status_changes.filter(to_status=Status.APPROVED).exists()


def test_a_form_without_fees_is_approved_as_before(
    kaga_department: Department, clerk: StaffMember
) -> None:
    submission = submit_application(publish_form(department=kaga_department))
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=clerk)
    browser = log_in_staff(clerk)

    page = browser.get(detail_url(submission))
    response = browser.post(status_url(submission), {"to_status": "approved"})

    assert 'data-testid="fee-approval"' not in page.text
    assert 'data-testid="payments"' not in page.text
    assert response.status_code == 302
    assert status_of(submission) == Status.APPROVED


def test_a_fee_paid_at_submission_is_not_asked_again_on_approval(
    kaga_department: Department, clerk: StaffMember
) -> None:
    fees = {
        "timing": "on_submission",
        "items": [{"key": "copy", "label": "写し", "unit_amount": 300}],
    }
    submission = submit_application(fee_form(kaga_department, fees=fees))
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=clerk)
    browser = log_in_staff(clerk)

    page = browser.get(detail_url(submission))
    browser.post(status_url(submission), {"to_status": "approved"})

    assert 'data-testid="fee-approval"' not in page.text
    assert status_of(submission) == Status.APPROVED
    # Only the payment asked for when it was submitted.
    assert [p.purpose for p in Payment.objects.all()] == [Purpose.ON_SUBMISSION]


def test_read_only_staff_see_no_fee_form_and_cannot_approve(
    collection: Submission, kaga_department: Department
) -> None:
    reader = StaffFactory(
        municipality=kaga_department.municipality,
        role=StaffRole.READ_ONLY,
        departments=[kaga_department],
    )
    browser = log_in_staff(reader)

    page = browser.get(detail_url(collection))
    response = approve(browser, collection)

    assert 'data-testid="payments"' in page.text
    assert 'data-testid="fee-approval"' not in page.text
    assert response.status_code == 422
    assert "Your role can read submissions but not change them." in response.text
    assert not Payment.objects.exists()


def test_staff_of_another_department_cannot_approve(
    collection: Submission, kaga_department: Department
) -> None:
    other = DepartmentFactory(municipality=kaga_department.municipality)
    outsider = StaffFactory(municipality=kaga_department.municipality, departments=[other])

    response = approve(log_in_staff(outsider), collection)

    assert response.status_code == 404
    assert status_of(collection) == Status.IN_REVIEW
    assert not Payment.objects.exists()
