"""Receipt numbers stay unique and gap-free when residents submit at the same moment.

Only PostgreSQL runs writers truly in parallel here (SQLite serialises every write
transaction), so these tests need it; they commit for real and are kept few.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone

from madoguchi.forms.models import FormVersion
from madoguchi.submissions import services
from madoguchi.submissions.models import Draft, Submission
from madoguchi.testing.factories import SIMPLE_ANSWERS, DepartmentFactory, publish_form

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing runs concurrently",
    ),
]

THREADS = 8
PER_THREAD = 10


class Abandoned(Exception):
    """Raised on purpose after a receipt number was drawn, to roll the transaction back."""


def in_threads(work: Callable[[int], list[str]], threads: int = THREADS) -> list[str]:
    """Run ``work(thread_number)`` in parallel threads, each on its own connection."""

    def run(number: int) -> list[str]:
        try:
            return work(number)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(run, range(threads)))
    return [receipt for receipts in results for receipt in receipts]


def sequence_numbers(receipts: list[str]) -> list[int]:
    return sorted(int(receipt.rsplit("-", 1)[1]) for receipt in receipts)


@pytest.fixture
def published() -> FormVersion:
    return publish_form(department=DepartmentFactory())


def test_parallel_submissions_get_every_number_once_without_gaps(published: FormVersion) -> None:
    def submit_ten(_thread: int) -> list[str]:
        return [
            services.submit_answers(
                form_version=published, raw=SIMPLE_ANSWERS, language="ja"
            ).receipt_number
            for _ in range(PER_THREAD)
        ]

    receipts = in_threads(submit_ten)

    assert len(set(receipts)) == THREADS * PER_THREAD
    assert sequence_numbers(receipts) == list(range(1, THREADS * PER_THREAD + 1))
    assert Submission.objects.count() == THREADS * PER_THREAD


def test_a_rolled_back_submission_gives_its_number_back(published: FormVersion) -> None:
    municipality = published.form.municipality
    year = timezone.localdate().year

    def submit_some_abandon_others(thread: int) -> list[str]:
        receipts = []
        for attempt in range(PER_THREAD):
            if (thread + attempt) % 3 == 0:
                with pytest.raises(Abandoned), transaction.atomic():
                    services.next_receipt_number(municipality.pk, municipality.lg_code, year)
                    raise Abandoned
            else:
                submission = services.submit_answers(
                    form_version=published, raw=SIMPLE_ANSWERS, language="ja"
                )
                receipts.append(submission.receipt_number)
        return receipts

    receipts = in_threads(submit_some_abandon_others)

    assert len(receipts) == Submission.objects.count() > 0
    assert sequence_numbers(receipts) == list(range(1, len(receipts) + 1))


def test_a_draft_sent_twice_at_the_same_moment_is_submitted_once(published: FormVersion) -> None:
    draft, _token = services.start_draft(form_version=published, language="ja")
    for index, page in enumerate([SIMPLE_ANSWERS, SIMPLE_ANSWERS]):
        assert services.save_step(draft=draft, step_index=index, data=page, files={}).ok
    both_loaded = threading.Barrier(2)

    def click(_thread: int) -> list[str]:
        loaded = Draft.objects.get(pk=draft.pk)
        both_loaded.wait(timeout=10)
        try:
            return [services.submit_draft(draft=loaded).receipt_number]
        except Draft.DoesNotExist:
            return []

    receipts = in_threads(click, threads=2)

    assert len(receipts) == 1
    assert Submission.objects.count() == 1
    assert not Draft.objects.exists()
