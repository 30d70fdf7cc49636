"""A procedure's 標準処理期間 changed while clerks take returned applications back into review,
at the same moment: each due date ends where either order gives, and its ledger events form
one chain (each move starts where the last ended, the last ends at the stored date).

Only PostgreSQL runs writers truly in parallel here (``DATABASE_URL=postgres://…``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from madoguchi.catalog import deadlines, services
from madoguchi.catalog.models import Procedure
from madoguchi.core import events
from madoguchi.jp.business_days import business_days_between
from madoguchi.ledger.models import LedgerEntry
from madoguchi.submissions import workflow
from madoguchi.submissions.models import Status, StatusChange, Submission
from madoguchi.tenants.models import StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    publish_form,
    submit_application,
)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

APPLICATIONS = 5


def all_at_once(actions: list[Callable[[], None]]) -> list[str]:
    start = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action: Callable[[], None]) -> None:
        try:
            start.wait()
            action()
            outcomes.append("ok")
        except Exception as error:  # any failure is the answer
            outcomes.append(f"{type(error).__name__}: {str(error)[:300]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _staff(**fields: object) -> StaffMember:
    made = StaffFactory(**fields)
    return StaffMember.objects.get(pk=made.pk)  # type: ignore[attr-defined]


def test_a_period_change_and_returns_ending_at_once_keep_one_chain_of_moves() -> None:
    department = DepartmentFactory()
    version = publish_form(department=department)
    linked = Procedure.objects.create(
        municipality=department.municipality,
        department=department,
        procedure_id="P-001",
        name="手続",
        form=version.form,
        processing_days=10,
    )
    dx = _staff(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    clerk = _staff(municipality=department.municipality, departments=[department])
    returned_at = timezone.now() - timedelta(days=9)
    returned = []
    for _ in range(APPLICATIONS):
        submission = submit_application(version)
        StatusChange.objects.create(
            submission=submission,
            from_status=Status.RECEIVED,
            to_status=Status.RETURNED,
            at=returned_at,
        )
        Submission.objects.filter(pk=submission.pk).update(status=Status.RETURNED)
        returned.append(Submission.objects.get(pk=submission.pk))
    first_due = {s.pk: s.due_date for s in returned}

    def change_period() -> None:
        current = Procedure.objects.get(pk=linked.pk)
        current.processing_days = 20
        services.save_procedure(procedure=current, by=dx)

    def take_back(submission: Submission) -> Callable[[], None]:
        def action() -> None:
            workflow.change_status(submission=submission, to_status=Status.IN_REVIEW, staff=clerk)

        return action

    outcomes = all_at_once([change_period, *(take_back(s) for s in returned)])

    assert outcomes == ["ok"] * (APPLICATIONS + 1)
    paused = business_days_between(
        deadlines.tokyo_day(returned_at), deadlines.tokyo_day(timezone.now())
    )
    assert paused > 0
    for submission in returned:
        stored = Submission.objects.get(pk=submission.pk)
        assert stored.due_date == deadlines.due_date_with(stored, 20, paused)
        moves = [
            entry.detail
            for entry in LedgerEntry.objects.filter(
                subject=events.submission_subject(stored.public_id),
                event=events.Event.DUE_DATE_CHANGED,
            ).order_by("index")
        ]
        assert sorted(m["reason"] for m in moves) == ["paused_while_returned", "period_changed"]
        chain = [first_due[stored.pk].isoformat()]  # type: ignore[union-attr]
        for move in moves:
            assert move["from"] == chain[-1]
            chain.append(move["to"])
        assert chain[-1] == stored.due_date.isoformat()  # type: ignore[union-attr]
