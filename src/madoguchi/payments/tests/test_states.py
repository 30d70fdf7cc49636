"""The payment state machine, exhaustively: every pair of states, and random sequences."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from madoguchi.core import events
from madoguchi.payments import changes
from madoguchi.payments.states import (
    FINAL,
    LIVE,
    TRANSITIONS,
    IllegalTransition,
    PaymentStatus,
    can_move,
    check_move,
)
from madoguchi.testing.factories import PaymentFactory

STATUSES = list(PaymentStatus)
# What money has been received at some point: once there, a payment never goes back to
# "not paid" (pending, failed, expired, cancelled).
MONEY = {PaymentStatus.PAID, PaymentStatus.REFUNDING, PaymentStatus.REFUNDED}
# A payment cancelled or expired that the provider then reports paid records the money.
LATE = {PaymentStatus.CANCELLED, PaymentStatus.EXPIRED}
ALLOWED = {
    (PaymentStatus.PENDING, PaymentStatus.PAID),
    (PaymentStatus.PENDING, PaymentStatus.FAILED),
    (PaymentStatus.PENDING, PaymentStatus.EXPIRED),
    (PaymentStatus.PENDING, PaymentStatus.CANCELLED),
    (PaymentStatus.PAID, PaymentStatus.REFUNDING),
    (PaymentStatus.PAID, PaymentStatus.REFUNDED),
    (PaymentStatus.REFUNDING, PaymentStatus.REFUNDED),
    (PaymentStatus.REFUNDING, PaymentStatus.PAID),
    (PaymentStatus.CANCELLED, PaymentStatus.PAID),
    (PaymentStatus.EXPIRED, PaymentStatus.PAID),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_every_pair_of_states_is_allowed_exactly_as_the_table_says(current, target):
    expected = current == target or (current, target) in ALLOWED

    assert can_move(current, target) is expected
    if expected:
        check_move(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_move(current, target)


def test_final_states_are_the_ones_without_moves_and_none_is_live():
    assert {PaymentStatus.FAILED, PaymentStatus.REFUNDED} == FINAL
    assert not FINAL & LIVE
    assert set(TRANSITIONS) == set(STATUSES)


@given(st.lists(st.sampled_from(STATUSES), max_size=30))
def test_any_sequence_of_requested_moves_keeps_the_invariants(requests):
    status = PaymentStatus.PENDING
    seen_money = False
    for target in requests:
        before = status
        try:
            check_move(status, target)
        except IllegalTransition:
            assert status == before  # a refused move changes nothing
            continue
        status = target
        if before in FINAL:
            assert status == before  # a final state is never left
        if before in LATE and status != before:
            assert status == PaymentStatus.PAID  # only money arriving late leaves them
        if seen_money:
            assert status in MONEY  # a late "expired" never undoes a payment
        seen_money = seen_money or status in MONEY
    # Whatever happened, the payment is in a state the table knows.
    assert status in TRANSITIONS


@given(st.lists(st.sampled_from(STATUSES), max_size=30))
def test_replaying_a_sequence_twice_in_a_row_is_the_same_as_once(requests):
    """A replayed webhook or poll (the same target again) is a no-op."""

    def run(moves):
        status = PaymentStatus.PENDING
        for target in moves:
            if can_move(status, target):
                status = target
        return status

    doubled = [target for target in requests for _ in range(2)]

    assert run(doubled) == run(requests)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(STATUSES), max_size=12))
def test_moves_on_a_stored_payment_record_one_ledger_event_per_change(requests):
    payment = PaymentFactory(status=PaymentStatus.PENDING, paid_at=None, receipt_serial=None)
    seen: list[str] = []
    subscriber = lambda event, actor, subject, detail: seen.append(str(event))  # noqa: E731
    events._subscribers.append(subscriber)
    changed = 0
    try:
        for target in requests:
            with transaction.atomic():
                locked = changes.lock(payment)
                if not can_move(locked.status, target):
                    with pytest.raises(IllegalTransition):
                        changes.move(locked, target, actor="system", now=timezone.now())
                    continue
                changed += changes.move(locked, target, actor="system", now=timezone.now())
    finally:
        events._subscribers.remove(subscriber)

    payment.refresh_from_db()
    assert len(seen) == changed
    assert all(event.startswith("payment.") for event in seen)
