"""Double clicks and doubled webhooks at the same moment: one payment, one checkout, one
charge recorded. Only PostgreSQL runs writers truly in parallel (SQLite serialises every
write transaction), so this needs it (``DATABASE_URL=postgres://…``); it commits for real.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from madoguchi.core import events
from madoguchi.payments import services
from madoguchi.payments.models import Payment, WebhookEvent
from madoguchi.payments.states import PaymentStatus
from madoguchi.simulators.payments.models import StoredObject
from madoguchi.submissions import status_links

from . import data
from .fixtures import *  # noqa: F403 (the fixtures paysim, site, recorded)
from .fixtures import kinds

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

CLICKS = 6


def at_once(count: int, work) -> list:
    start = threading.Barrier(count)
    results: list = []

    def run(index: int) -> None:
        try:
            start.wait()
            results.append(work(index))
        except Exception as error:  # the test reports every outcome
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_pay_clicked_six_times_at_once_makes_one_payment_and_one_checkout(site):
    submission = data.application()
    Payment.objects.filter(submission=submission).delete()  # no payment yet: the clicks make it
    token = status_links.issue(submission)
    url = reverse("payments:pay", kwargs={"token": token})

    answers = at_once(CLICKS, lambda _i: Client().post(url))

    assert [a.status_code for a in answers] == [303] * CLICKS
    assert len({a["Location"] for a in answers}) == 1
    (payment,) = Payment.objects.filter(submission=submission)
    sessions = StoredObject.objects.filter(
        kind="checkout.session", data__metadata__payment=str(payment.public_id)
    )
    assert [s.id for s in sessions] == [payment.checkout_id]


def test_one_webhook_delivered_four_times_at_once_pays_once(site, recorded):
    payment = services.start_payment(data.application())
    assert site.pay(services.checkout_url(payment, language="ja")).ok
    (event,) = site.events("checkout.session.completed")

    sent = at_once(4, lambda _i: site.replay(event["id"]))

    assert sorted(s.status for batch in sent for s in batch) == [200] * 4
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.receipt_serial.endswith("-000001")
    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    assert kinds(recorded).count(events.Event.PAYMENT_PAID) == 1


def test_the_return_page_and_the_webhook_at_once_pay_once(site, recorded):
    payment = services.start_payment(data.application())
    paid = site.pay(services.checkout_url(payment, language="ja"))
    return_path = paid.redirect.removeprefix(site.base_url)

    at_once(
        2,
        lambda i: Client().get(return_path) if i == 0 else site.deliver(),
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert kinds(recorded).count(events.Event.PAYMENT_PAID) == 1
