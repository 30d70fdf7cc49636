"""事後決済 (a fee staff set at approval), the 領収書 numbers, and the reconcile command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.core import events
from madoguchi.payments import selectors, services
from madoguchi.payments.receipts import next_receipt_serial
from madoguchi.payments.states import PaymentStatus
from madoguchi.testing.factories import MunicipalityFactory

from . import data
from .fixtures import *  # noqa: F403 (the fixtures paysim, site, recorded)
from .fixtures import kinds


@pytest.mark.django_db(transaction=True)
def test_staff_ask_a_fee_after_review_which_the_resident_then_pays(site, recorded):
    submission = data.application(data.fee_form(timing="after_review"))
    staff = data.staff_of(submission)

    payment = services.request_payment(submission, lines=data.staff_lines(2000), staff=staff)
    assert site.pay(services.checkout_url(payment, language="ja")).ok
    services.sync_from_provider(payment)

    assert (payment.purpose, payment.amount, payment.requested_by) == (
        "after_review",
        2000,
        staff,
    )
    assert payment.status == PaymentStatus.PAID
    assert kinds(recorded) == [events.Event.PAYMENT_REQUESTED, events.Event.PAYMENT_PAID]


@pytest.mark.django_db(transaction=True)
def test_a_new_amount_cancels_the_pending_payment_and_closes_its_checkout(site, recorded):
    submission = data.application(data.fee_form(timing="after_review"))
    staff = data.staff_of(submission)
    first = services.request_payment(submission, lines=data.staff_lines(2000), staff=staff)
    services.checkout_url(first, language="ja")

    second = services.request_payment(submission, lines=data.staff_lines(1500), staff=staff)

    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED and first.cancelled_at is not None
    assert selectors.live_payment(submission) == second
    session = site.client().v1.checkout.sessions.retrieve(first.checkout_id)
    assert session.status == "expired"
    assert not site.pay(first.checkout_url).ok
    assert events.Event.PAYMENT_CANCELLED in kinds(recorded)


@pytest.mark.django_db(transaction=True)
def test_a_paid_fee_cannot_be_replaced(site):
    submission = data.application(data.fee_form(timing="after_review"))
    staff = data.staff_of(submission)
    payment = services.request_payment(submission, lines=data.staff_lines(2000), staff=staff)
    site.pay(services.checkout_url(payment, language="ja"))
    services.sync_from_provider(payment)

    with pytest.raises(services.PaymentNotPayable):
        services.request_payment(submission, lines=data.staff_lines(1500), staff=staff)

    assert selectors.live_payment(submission) == payment


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lines",
    [
        [],
        data.staff_lines(0),
        data.staff_lines(1_000_001),
        [{**data.staff_lines()[0], "amount": -5}],
        [{**data.staff_lines()[0], "amount": "2000"}],
        [{**data.staff_lines()[0], "label": {}}],
        [{"amount": 2000}],
    ],
)
def test_lines_that_are_not_whole_yen_amounts_are_refused(lines):
    submission = data.application(data.fee_form(timing="after_review"))

    with pytest.raises(services.PaymentInvalidLines) as refused:
        services.request_payment(submission, lines=lines, staff=data.staff_of(submission))

    assert refused.value.code == "payment_invalid_lines"
    assert selectors.payments_of(submission) == []


@pytest.mark.django_db
def test_receipt_numbers_count_per_city_and_year_without_gaps():
    kaga, kobe = MunicipalityFactory(lg_code="172065"), MunicipalityFactory(lg_code="281000")

    issued = [
        next_receipt_serial(kaga.pk, kaga.lg_code, 2026),
        next_receipt_serial(kaga.pk, kaga.lg_code, 2026),
        next_receipt_serial(kobe.pk, kobe.lg_code, 2026),
        next_receipt_serial(kaga.pk, kaga.lg_code, 2027),
        next_receipt_serial(kaga.pk, kaga.lg_code, 2026),
    ]

    assert issued == [
        "R-172065-2026-000001",
        "R-172065-2026-000002",
        "R-281000-2026-000001",
        "R-172065-2027-000001",
        "R-172065-2026-000003",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_reconcile_command_polls_pending_payments_older_than_its_minutes(site):
    payment = services.start_payment(data.application())
    site.pay(services.checkout_url(payment, language="ja"))
    out = StringIO()

    call_command("reconcile_payments", "--minutes", "60", stdout=out)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert "polled=0" in out.getvalue()

    services.reconcile_pending(older_than=timedelta(0))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
