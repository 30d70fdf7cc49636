"""A fee not paid yet is cancelled when its application is rejected or withdrawn (取下げ);
a payment the provider takes after that is recorded as paid and shown to staff to refund.
Against the simulator over real HTTP (Stripe's SDK), no mock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import events
from madoguchi.exports.payment_selectors import Period, city_movements
from madoguchi.ledger.models import LedgerEntry
from madoguchi.payments import selectors, services
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions import status_links, workflow
from madoguchi.submissions.models import Status, Submission
from madoguchi.testing.staff import log_in_staff

from . import data
from .fixtures import *  # noqa: F403 (the fixtures paysim, site, recorded)
from .fixtures import Recorded

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "http://127.0.0.1:9/paysim"


def applied(methods: list[str] | None = None) -> tuple[Submission, Payment]:
    """An application whose fee at submission is pending, its checkout opened."""
    submission = data.application(data.fee_form(methods=methods))
    payment = selectors.live_payment(submission)
    assert payment is not None and payment.status == PaymentStatus.PENDING
    services.checkout_url(payment, language="ja")
    return submission, payment


def status_page(submission: Submission) -> str:
    token = status_links.issue(submission)
    return Client().get(reverse("submissions:status", args=[token])).text


def cancelled_events(recorded: Recorded) -> list[dict[str, str]]:
    return [detail for kind, _subject, detail in recorded if kind == events.Event.PAYMENT_CANCELLED]


def test_withdrawing_cancels_the_pending_fee_and_closes_its_checkout(site, recorded):
    submission, payment = applied()
    assert 'data-testid="payment-pay"' in status_page(submission)

    workflow.withdraw(submission=submission)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED and payment.cancelled_at is not None
    session = site.client().v1.checkout.sessions.retrieve(payment.checkout_id)
    assert session.status == "expired"
    assert [(d["payment"], d["reason"]) for d in cancelled_events(recorded)] == [
        (str(payment.public_id), "withdrawn")
    ]
    page = status_page(submission)
    assert 'data-testid="payment-pay"' not in page
    # The hosted page no longer takes the money, and 「支払う」 makes no new payment.
    assert site.pay(payment.checkout_url).status == 410
    assert services.payment_to_pay(submission) is None


def test_rejecting_in_the_back_office_cancels_the_pending_fee(site, recorded):
    submission, payment = applied()
    staff = data.staff_of(submission)
    workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=staff)

    rejected = log_in_staff(staff).post(
        reverse("backoffice:change_status", args=[submission.receipt_number]),
        {"to_status": "rejected", "reason": "対象外です"},
    )

    assert rejected.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert site.client().v1.checkout.sessions.retrieve(payment.checkout_id).status == "expired"
    assert [d["reason"] for d in cancelled_events(recorded)] == ["rejected"]
    cancelled_by = LedgerEntry.objects.filter(
        subject=events.submission_subject(submission.public_id),
        event=events.Event.PAYMENT_CANCELLED,
    ).values_list("actor", flat=True)
    assert list(cancelled_by) == [events.pseudonym("staff", staff.pk)]
    assert 'data-testid="payment-pay"' not in status_page(submission)


def test_a_pending_fee_without_a_checkout_is_cancelled_without_the_provider(site, settings):
    submission = data.application(data.fee_form())
    payment = selectors.live_payment(submission)
    assert payment is not None and not payment.checkout_id
    _provider_down(settings)

    workflow.withdraw(submission=submission)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED


def test_the_provider_down_leaves_an_opened_checkout_pending_until_reconciled(site, settings):
    submission, payment = applied()
    reachable = settings.MADOGUCHI_PAYMENT_ACCOUNTS
    _provider_down(settings)

    workflow.withdraw(submission=submission)

    payment.refresh_from_db()
    # The checkout may have been paid a moment ago: not cancelled without the provider's word.
    assert payment.status == PaymentStatus.PENDING
    assert 'data-testid="payment-pay"' not in status_page(submission)
    assert services.payment_to_pay(submission) is None

    settings.MADOGUCHI_PAYMENT_ACCOUNTS = reachable
    counts = services.reconcile_pending(older_than=timedelta(0))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert counts["cancelled"] == 1
    assert site.client().v1.checkout.sessions.retrieve(payment.checkout_id).status == "expired"


def test_a_checkout_paid_just_before_the_withdrawal_stays_paid(site):
    submission, payment = applied()
    assert site.pay(payment.checkout_url).ok  # its webhook not delivered yet

    workflow.withdraw(submission=submission)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.cancelled_at is None


def test_a_konbini_slip_paid_after_the_withdrawal_is_paid_late_and_refunded(site, recorded):
    submission, payment = applied(data.ALL_METHODS)
    site.pay(payment.checkout_id, method="konbini")  # the slip: the session completes unpaid
    site.deliver()
    workflow.withdraw(submission=submission)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED

    site.konbini_paid(payment.checkout_id)  # paid at the store all the same
    sent = site.deliver()

    assert [s.type for s in sent] == ["checkout.session.async_payment_succeeded"]
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.paid_late
    assert payment.cancelled_at is not None and payment.receipt_serial
    assert (payment.method, payment.provider_fee, payment.net) == ("konbini", 41, 1109)
    # Not the application's payment: nothing is asked of the resident.
    assert selectors.live_payment(submission) is None
    assert services.payment_to_pay(submission) is None
    paid = [d for k, _s, d in recorded if k == events.Event.PAYMENT_PAID]
    assert [d["late"] for d in paid] == ["cancelled"]
    # The treasury's files count the money that arrived.
    today = timezone.localdate()
    charges = city_movements(submission.municipality, period=Period(today, today))
    assert [(m.category, m.gross, m.receipt_serial) for m in charges] == [
        ("charge", data.AMOUNT, payment.receipt_serial)
    ]

    staff = data.staff_of(submission)
    browser = log_in_staff(staff, language="ja")
    detail = reverse("backoffice:detail", args=[submission.receipt_number])
    page = browser.get(detail).text
    assert "取消後に支払われました: 返金してください" in page
    assert 'data-testid="refund-link"' in page
    refund = reverse("backoffice:refund", args=[submission.receipt_number, payment.public_id])
    assert browser.post(refund, {"refund_reason": "取下げ後の入金"}).status_code == 302
    site.deliver()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert "取消後に支払われました" not in browser.get(detail).text
    movements = city_movements(submission.municipality, period=Period(today, today))
    assert sorted(m.category for m in movements) == ["charge", "refund"]


def test_a_new_amount_can_be_asked_beside_a_late_payment(site):
    """A late payment is not live: it does not block the application's own fee."""
    submission = data.application(data.fee_form(timing="after_review", methods=data.ALL_METHODS))
    staff = data.staff_of(submission)
    first = services.request_payment(submission, lines=data.staff_lines(2000), staff=staff)
    services.checkout_url(first, language="ja")
    site.pay(first.checkout_id, method="konbini")
    second = services.request_payment(submission, lines=data.staff_lines(1500), staff=staff)
    assert site.pay(services.checkout_url(second, language="ja")).ok
    site.deliver()

    site.konbini_paid(first.checkout_id)
    site.deliver()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.paid_late) == (PaymentStatus.PAID, True)
    assert (second.status, second.paid_late) == (PaymentStatus.PAID, False)
    assert selectors.live_payment(submission) == second


def _provider_down(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MADOGUCHI_PAYMENT_ACCOUNTS = {
        lg_code: {**account, "api_base": UNREACHABLE}
        for lg_code, account in settings.MADOGUCHI_PAYMENT_ACCOUNTS.items()
    }
