"""Refunds through the provider's refunds API (idempotent), and what may be refunded."""

from __future__ import annotations

import pytest

from madoguchi.core import events
from madoguchi.payments import services
from madoguchi.payments.models import Payment
from madoguchi.payments.states import PaymentStatus
from madoguchi.testing.factories import StaffFactory

from . import data
from .fixtures import *  # noqa: F403 (the fixtures paysim, site, recorded)
from .fixtures import kinds

pytestmark = pytest.mark.django_db(transaction=True)


def paid(site) -> Payment:
    payment = services.start_payment(data.application())
    assert payment is not None
    assert site.pay(services.checkout_url(payment, language="ja")).ok
    services.sync_from_provider(payment)
    assert payment.status == PaymentStatus.PAID
    return payment


def test_a_refund_of_a_paid_payment_is_refunded_when_the_provider_confirms(site, recorded):
    payment = paid(site)
    staff = data.staff_of(payment.submission)

    services.request_refund(payment, staff=staff, reason="申請の取下げのため")
    site.deliver()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refund_reference.startswith("re_")
    assert (payment.refunded_by, payment.refund_reason) == (staff, "申請の取下げのため")
    assert payment.refund_requested_at is not None and payment.refunded_at is not None
    assert kinds(recorded)[-2:] == [
        events.Event.PAYMENT_REFUND_REQUESTED,
        events.Event.PAYMENT_REFUNDED,
    ]
    refunds = site.client().v1.refunds.list({"payment_intent": payment.provider_reference})
    assert [(r.amount, r.status) for r in refunds.data] == [(data.AMOUNT, "succeeded")]


def test_a_second_refund_request_is_refused_and_the_provider_refunds_once(site):
    payment = paid(site)
    staff = data.staff_of(payment.submission)
    services.request_refund(payment, staff=staff, reason="重複")

    with pytest.raises(services.PaymentNotRefundable) as refused:
        services.request_refund(payment, staff=staff, reason="重複")

    assert refused.value.code == "payment_not_refundable"
    refunds = site.client().v1.refunds.list({"payment_intent": payment.provider_reference})
    assert len(refunds.data) == 1


def test_a_refund_resent_after_a_lost_answer_uses_the_same_idempotency_key(site):
    payment = paid(site)
    staff = data.staff_of(payment.submission)
    services.request_refund(payment, staff=staff, reason="返金")
    first = payment.refund_reference
    # As if the answer had been lost: the payment is still refunding, without a reference.
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.REFUNDING, refund_reference="", refunded_at=None
    )

    services.reconcile_pending()

    payment.refresh_from_db()
    assert (payment.status, payment.refund_reference) == (PaymentStatus.REFUNDED, first)
    refunds = site.client().v1.refunds.list({"payment_intent": payment.provider_reference})
    assert len(refunds.data) == 1


def test_a_pending_payment_cannot_be_refunded(site):
    payment = services.start_payment(data.application())

    with pytest.raises(services.PaymentNotRefundable):
        services.request_refund(payment, staff=data.staff_of(payment.submission), reason="x")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_staff_of_another_city_cannot_refund(site):
    payment = paid(site)

    with pytest.raises(services.PaymentNotRefundable):
        services.request_refund(payment, staff=StaffFactory(), reason="x")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_a_refund_whose_answer_was_lost_is_finished_by_the_providers_webhook(site, recorded):
    payment = paid(site)
    staff = data.staff_of(payment.submission)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REFUNDING)
    # The provider refunded (our request's answer never came back).
    site.client().v1.refunds.create(
        {
            "payment_intent": payment.provider_reference,
            "metadata": {"payment": str(payment.public_id)},
        }
    )

    sent = site.deliver()

    assert {s.type for s in sent} >= {"charge.refunded", "refund.created"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_at is not None
    assert kinds(recorded).count(events.Event.PAYMENT_REFUNDED) == 1
    assert staff  # (the refund was staff's; the webhook only confirms it)


def test_a_refund_made_outside_madoguchi_marks_the_paid_payment_refunded(site):
    payment = paid(site)

    site.client().v1.refunds.create({"payment_intent": payment.provider_reference})
    site.deliver()

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
