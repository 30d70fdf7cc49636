"""The payment section of a submission, and refunds: on rejection and on their own.

A refund that is made goes to the provider simulator (Stripe's SDK over real HTTP, the
``paysim`` fixture) for a fee paid on its hosted page; a refund refused never reaches it
(the payment stays paid)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import DepartmentFactory, StaffFactory, submit_application
from madoguchi.testing.payments import PaySim
from madoguchi.testing.staff import log_in_staff

from .payment_fixtures import fee_form, paid, paid_at_provider, pending, refunds_at_provider

pytestmark = pytest.mark.django_db


def detail_url(submission: Submission) -> str:
    return reverse("backoffice:detail", args=[submission.receipt_number])


def refund_url(payment: Payment) -> str:
    return reverse("backoffice:refund", args=[payment.submission.receipt_number, payment.public_id])


def reject(browser, submission: Submission, **fields: str):  # type: ignore[no-untyped-def]
    url = reverse("backoffice:change_status", args=[submission.receipt_number])
    return browser.post(url, {"to_status": "rejected", "reason": "収集対象外の品目です"} | fields)


def test_the_payment_section_shows_each_payment_of_the_submission(
    collection: Submission, clerk: StaffMember
) -> None:
    payment = paid(collection, amount=3000, method="konbini", requested_by=clerk)

    html = log_in_staff(clerk, language="ja").get(detail_url(collection)).text

    assert 'data-testid="payments"' in html
    assert "3,000円" in html
    assert "手数料: 3,000円 × 1 = 3,000円" in html
    assert "支払済" in html and "コンビニ" in html
    assert payment.provider_reference in html
    assert payment.receipt_serial in html
    assert "領収書番号" in html
    assert clerk.display_name in html
    assert 'data-testid="refund-link"' in html


@pytest.mark.django_db(transaction=True)
def test_rejecting_refunds_the_paid_fee_by_default_in_the_same_step(
    paysim: PaySim, collection: Submission, clerk: StaffMember
) -> None:
    payment = paid_at_provider(paysim, collection, clerk)
    browser = log_in_staff(clerk)
    page = browser.get(detail_url(collection))

    response = reject(browser, collection, refund="1", refund_reason="")

    assert 'data-testid="refund-on-reject"' in page.text
    assert 'id="refund" name="refund" value="1" checked' in page.text
    assert response.status_code == 302
    payment.refresh_from_db()
    assert Submission.objects.get(pk=collection.pk).status == Status.REJECTED
    # The provider took the refund at once (its webhook changes nothing more).
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_by == clerk
    # No reason of its own: the rejection's.
    assert payment.refund_reason == "収集対象外の品目です"
    assert refunds_at_provider(paysim, payment) == [(3000, "succeeded")]
    assert "the fee of 3,000 yen is being refunded" in browser.get(detail_url(collection)).text


@pytest.mark.django_db(transaction=True)
def test_rejecting_with_the_refund_unticked_keeps_the_payment(
    paysim: PaySim, collection: Submission, clerk: StaffMember
) -> None:
    payment = paid_at_provider(paysim, collection, clerk)

    response = reject(log_in_staff(clerk), collection)

    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert Submission.objects.get(pk=collection.pk).status == Status.REJECTED
    assert refunds_at_provider(paysim, payment) == []


@pytest.mark.django_db(transaction=True)
def test_rejecting_with_a_refund_reason_of_its_own(
    paysim: PaySim, collection: Submission, clerk: StaffMember
) -> None:
    payment = paid_at_provider(paysim, collection, clerk)

    reject(log_in_staff(clerk), collection, refund="1", refund_reason="全額返金します")

    payment.refresh_from_db()
    assert payment.refund_reason == "全額返金します"
    assert refunds_at_provider(paysim, payment) == [(3000, "succeeded")]


def test_no_refund_is_offered_on_rejection_when_nothing_was_paid(
    collection: Submission, clerk: StaffMember
) -> None:
    pending(collection)

    html = log_in_staff(clerk).get(detail_url(collection)).text

    assert 'data-testid="refund-on-reject"' not in html
    assert 'data-testid="refund-link"' not in html


def test_a_refused_rejection_keeps_the_refund_choice_as_typed(
    collection: Submission, clerk: StaffMember
) -> None:
    paid(collection)

    response = reject(log_in_staff(clerk), collection, reason="", refund_reason="返金理由")

    assert response.status_code == 422
    assert 'id="refund" name="refund" value="1">' in response.text  # unticked, as sent
    assert "返金理由" in response.text


@pytest.mark.django_db(transaction=True)
def test_the_refund_action_asks_for_confirmation_and_a_reason(
    paysim: PaySim, collection: Submission, clerk: StaffMember
) -> None:
    payment = paid_at_provider(paysim, collection, clerk)
    browser = log_in_staff(clerk)

    confirm = browser.get(refund_url(payment))
    response = browser.post(refund_url(payment), {"refund_reason": "二重に申し込まれたため"})

    assert confirm.status_code == 200
    assert "3,000 yen" in confirm.text and payment.receipt_serial in confirm.text
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refund_reason == "二重に申し込まれたため"
    assert refunds_at_provider(paysim, payment) == [(3000, "succeeded")]
    # The application itself is not changed by a refund.
    assert Submission.objects.get(pk=collection.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Give the reason for the refund."), ("ja", "返金の理由を入力してください。")],
)
def test_a_refund_without_a_reason_is_refused(
    collection: Submission,
    clerk: StaffMember,
    language: str,
    message: str,
) -> None:
    payment = paid(collection)

    response = log_in_staff(clerk, language=language).post(
        refund_url(payment), {"refund_reason": "  "}
    )

    assert response.status_code == 422
    assert message in response.text
    assert 'href="#refund_reason"' in response.text
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_a_payment_not_paid_cannot_be_refunded(collection: Submission, clerk: StaffMember) -> None:
    payment = pending(collection)

    response = log_in_staff(clerk).post(refund_url(payment), {"refund_reason": "誤り"})

    assert response.status_code == 422
    assert "Only a paid payment can be refunded." in response.text
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_withdrawn_application_that_was_paid_points_to_the_refund(
    collection: Submission, clerk: StaffMember
) -> None:
    paid(collection)
    workflow.withdraw(submission=collection)

    html = log_in_staff(clerk).get(detail_url(collection)).text

    assert 'data-testid="withdrawn-paid"' in html
    assert 'data-testid="refund-link"' in html


def test_read_only_staff_see_payments_but_no_refund(
    collection: Submission, kaga_department: Department
) -> None:
    payment = paid(collection)
    reader = StaffFactory(
        municipality=kaga_department.municipality,
        role=StaffRole.READ_ONLY,
        departments=[kaga_department],
    )
    browser = log_in_staff(reader)

    html = browser.get(detail_url(collection)).text
    confirm = browser.get(refund_url(payment))
    response = browser.post(refund_url(payment), {"refund_reason": "誤り"})

    assert payment.receipt_serial in html
    assert 'data-testid="refund-link"' not in html
    assert 'data-testid="refund-on-reject"' not in html
    assert confirm.status_code == 404 and response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_staff_of_another_department_cannot_see_or_refund_a_payment(
    collection: Submission, kaga_department: Department
) -> None:
    payment = paid(collection)
    other = DepartmentFactory(municipality=kaga_department.municipality)
    outsider = StaffFactory(municipality=kaga_department.municipality, departments=[other])
    browser = log_in_staff(outsider)

    assert browser.get(detail_url(collection)).status_code == 404
    assert browser.post(refund_url(payment), {"refund_reason": "誤り"}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_a_payment_of_another_submission_is_not_found_under_this_one(
    collection: Submission, clerk: StaffMember, kaga_department: Department
) -> None:
    other = submit_application(fee_form(kaga_department, slug="other"), count=1)
    payment = paid(other)
    url = reverse("backoffice:refund", args=[collection.receipt_number, payment.public_id])

    assert log_in_staff(clerk).get(url).status_code == 404


def test_a_refund_refused_after_the_rejection_leaves_it_rejected_and_says_why(
    collection: Submission, clerk: StaffMember
) -> None:
    # A paid payment without the provider's reference cannot be refunded by the provider.
    payment = paid(collection, provider_reference="")
    browser = log_in_staff(clerk)

    response = reject(browser, collection, refund="1")

    assert response.status_code == 302
    assert Submission.objects.get(pk=collection.pk).status == Status.REJECTED
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert (
        "the fee was not refunded: Only a paid payment can be refunded."
        in browser.get(detail_url(collection)).text
    )
