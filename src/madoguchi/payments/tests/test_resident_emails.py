"""Emails about a fee: the confirmation says what to pay, then paid (領収書番号) and refunded."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from madoguchi.payments import notifications
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import notifications as submission_notifications
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department
from madoguchi.testing.factories import submit_application

from .resident_fixtures import fee_form, payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(department: Department) -> Submission:
    return submit_application(fee_form(department, timing="after_review"), count=2)


def _status_path(body: str) -> str:
    match = re.search(r"https?://\S+(/status/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_the_confirmation_email_names_the_fee_to_pay(submission: Submission) -> None:
    payment(submission, PaymentStatus.PENDING)
    mail.outbox.clear()

    submission_notifications.send_confirmation(submission)

    (sent,) = mail.outbox
    assert "お支払いいただく手数料：1,150円" in sent.body
    assert "/status/" in sent.body


def test_the_confirmation_email_of_a_fee_after_review_says_the_amount_comes_later(
    department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit_application(fee_form(department, timing="after_review", slug="later"), count=1)

    (sent,) = mail.outbox
    assert "審査の後に確定します" in sent.body


def test_the_paid_email_names_amount_receipt_serial_and_links_to_the_status_page(
    submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    paid = payment(submission, PaymentStatus.PAID, provider_reference="pi_secret_ref")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        notifications.payment_paid(paid)

    (sent,) = mail.outbox
    assert "お支払いを確認しました" in sent.subject and submission.receipt_number in sent.subject
    assert sent.to == [submission.contact_email]
    assert "1,150円" in sent.body and paid.receipt_serial in sent.body
    assert "クレジットカード" in sent.body and "令和" in sent.body
    assert "pi_secret_ref" not in sent.body and "加賀 太郎" not in sent.body
    page = Client().get(_status_path(sent.body))
    assert page.status_code == 200 and "支払済" in page.content.decode()


def test_the_paid_email_waits_for_the_commit(submission: Submission) -> None:
    paid = payment(submission, PaymentStatus.PAID)
    mail.outbox.clear()

    # Inside the test's transaction: nothing is sent until it commits (it never does here).
    notifications.payment_paid(paid)

    assert mail.outbox == []


def test_the_refund_email_in_the_applicant_s_language(
    department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    english = submit_application(
        fee_form(department, timing="after_review", slug="en"), language="en", count=2
    )
    refunded = payment(english, PaymentStatus.REFUNDED)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        notifications.payment_refunded(refunded)

    (sent,) = mail.outbox
    assert "Your payment was refunded" in sent.subject
    assert "1,150 yen" in sent.body and refunded.receipt_serial in sent.body


def test_no_email_without_an_address(
    submission: Submission, django_capture_on_commit_callbacks: Any
) -> None:
    Submission.objects.filter(pk=submission.pk).update(contact_email="")
    paid = payment(Submission.objects.get(pk=submission.pk), PaymentStatus.PAID)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        notifications.payment_paid(paid)

    assert mail.outbox == []
