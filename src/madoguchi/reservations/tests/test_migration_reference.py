"""Migration 0005 gives every existing booking its own booking number, and reverses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from madoguchi.counter import reference as counter_reference
from madoguchi.testing import reservations as data

BEFORE = [("reservations", "0004_booking_procedures")]
AFTER = [("reservations", "0005_booking_reference")]


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [node for node in graph.leaf_nodes() if node[0] == "reservations"]


@pytest.mark.django_db(transaction=True)
def test_existing_bookings_each_get_a_distinct_booking_number() -> None:
    counter = data.counter()
    try:
        executor = migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("reservations", "Booking")
        for index in range(5):
            old.objects.create(
                counter_id=counter.pk,
                start=data.at(9),
                end=data.at(9) + timedelta(minutes=30),
                name="加賀 太郎",
                token_hash=f"{index}" * 64,
                created_at=data.NOW,
            )

        executor = migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("reservations", "Booking")
        numbers = list(new.objects.values_list("reference", flat=True))

        assert len(set(numbers)) == 5
        assert all(
            len(number) == 8 and set(number) <= set(counter_reference.ALPHABET)
            for number in numbers
        )
        migrate(BEFORE)
    finally:
        migrate(_latest())
