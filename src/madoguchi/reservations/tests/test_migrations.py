"""Migration 0004 moves each booking's form into its procedures, and back when reversed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from madoguchi.testing import reservations as data
from madoguchi.testing.counter import counter_form

BEFORE = [("reservations", "0003_waiting_tickets")]
AFTER = [("reservations", "0004_booking_procedures")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [node for node in graph.leaf_nodes() if node[0] == "reservations"]


@pytest.mark.django_db(transaction=True)
def test_a_booked_form_becomes_the_first_procedure_and_comes_back_when_reversed() -> None:
    counter = data.counter()
    form = counter_form(department=counter.department).form
    try:
        executor = migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        booking_model = old.get_model("reservations", "Booking")
        fields = {
            "counter_id": counter.pk,
            "start": data.at(9),
            "end": data.at(9) + timedelta(minutes=30),
            "name": "加賀 太郎",
            "created_at": data.NOW,
        }
        with_form = booking_model.objects.create(form_id=form.pk, token_hash="a" * 64, **fields)
        without = booking_model.objects.create(token_hash="b" * 64, **fields)

        executor = migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        procedures = new.get_model("reservations", "BookingProcedure").objects.all()
        assert [(p.booking_id, p.form_id, p.position) for p in procedures] == [
            (with_form.pk, form.pk, 0)
        ]

        executor = migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        back = old.get_model("reservations", "Booking").objects.order_by("pk")
        assert [b.form_id for b in back] == [form.pk, None]
        assert without.pk == back[1].pk
    finally:
        migrate(_latest())
