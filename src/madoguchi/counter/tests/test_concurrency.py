"""Two clerks scanning the same pre-registration at the same moment make one application.

Only PostgreSQL runs writers truly in parallel here (SQLite serialises every write
transaction), so this needs it (``DATABASE_URL=postgres://…``); it commits for real.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from madoguchi.core.refusals import Refused
from madoguchi.counter import services
from madoguchi.counter.models import PreregistrationStatus, Visit, VisitApplication
from madoguchi.testing import counter as counter_data

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

CLERKS = 6


def test_parallel_scans_of_one_pre_registration_check_it_in_once() -> None:
    prereg, _token = counter_data.preregistration()
    clerks = [counter_data.clerk(prereg.department) for _ in range(CLERKS)]
    start = threading.Barrier(CLERKS)
    outcomes: list[str] = []

    def scan(index: int) -> None:
        try:
            start.wait()
            services.check_in_new_visit(clerk=clerks[index], preregistration=prereg)
            outcomes.append("checked_in")
        except Refused as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(CLERKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    prereg.refresh_from_db()
    assert sorted(outcomes) == ["checked_in"] + ["counter_already_checked_in"] * (CLERKS - 1)
    assert VisitApplication.objects.filter(preregistration=prereg).count() == 1
    assert prereg.status == PreregistrationStatus.CHECKED_IN
    # The refused scans left no empty visit behind.
    assert Visit.objects.count() == 1
