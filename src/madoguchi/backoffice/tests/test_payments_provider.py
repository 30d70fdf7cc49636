"""The staff side against the provider simulator (Stripe's SDK over real HTTP): the fee
asked for at approval is paid on the hosted page; a rejection refunds a fee paid at
submission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.payments import services as payment_services
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import submit_application
from madoguchi.testing.payments import PaySim, paysim  # noqa: F401 (fixture)
from madoguchi.testing.staff import log_in_staff

from .payment_fixtures import fee_form

pytestmark = pytest.mark.django_db(transaction=True)


def _pay(paysim: PaySim, payment: Payment) -> Payment:  # noqa: F811
    assert paysim.pay(payment_services.checkout_url(payment, language="ja")).ok
    paysim.deliver()
    payment.refresh_from_db()
    return payment


def test_the_fee_asked_at_approval_is_paid_and_shown_with_its_receipt_number(
    paysim: PaySim,  # noqa: F811
    collection: Submission,
    clerk: StaffMember,
) -> None:
    browser = log_in_staff(clerk, language="ja")
    approved = browser.post(
        reverse("backoffice:change_status", args=[collection.receipt_number]),
        {"to_status": "approved", "fee_qty_items": "3", "fee_unit_items": "1000"},
    )

    payment = _pay(paysim, Payment.objects.get(submission=collection))

    assert approved.status_code == 302
    assert (payment.status, payment.amount) == (PaymentStatus.PAID, 3000)
    page = browser.get(reverse("backoffice:detail", args=[collection.receipt_number])).text
    assert payment.receipt_serial and payment.receipt_serial in page
    assert "支払済" in page and payment.provider_reference in page


def test_rejecting_refunds_the_fee_paid_at_submission_through_the_provider(
    paysim: PaySim,  # noqa: F811
    kaga_department: Department,
    clerk: StaffMember,
) -> None:
    fees = {
        "timing": "on_submission",
        "items": [{"key": "copy", "label": "写し", "unit_amount": 300}],
    }
    submission = submit_application(fee_form(kaga_department, fees=fees))
    payment = _pay(paysim, Payment.objects.get(submission=submission))
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=clerk)
    browser = log_in_staff(clerk, language="ja")

    rejected = browser.post(
        reverse("backoffice:change_status", args=[submission.receipt_number]),
        {"to_status": "rejected", "reason": "対象外でした", "refund": "1"},
    )
    paysim.deliver()

    assert rejected.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refund_reference.startswith("re_")
    assert (payment.refunded_by, payment.refund_reason) == (clerk, "対象外でした")
    refunds = paysim.client().v1.refunds.list({"payment_intent": payment.provider_reference})
    assert [(r.amount, r.status) for r in refunds.data] == [(300, "succeeded")]
    page = browser.get(reverse("backoffice:detail", args=[submission.receipt_number])).text
    assert "返金済" in page
