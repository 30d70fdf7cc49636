"""Inbox filters and keyset pagination: every row once, in order, with index-backed queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from madoguchi.backoffice import selectors
from madoguchi.forms.models import FormVersion
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import publish_form, submit_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(form_version: FormVersion, monkeypatch: pytest.MonkeyPatch) -> list[Submission]:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 5)
    submissions = [submit_application(form_version) for _ in range(16)]
    # Several share a timestamp: the id breaks the tie, so no row is skipped or repeated.
    moment = timezone.now() - timedelta(days=1)
    Submission.objects.filter(pk__in=[s.pk for s in submissions[3:9]]).update(submitted_at=moment)
    return submissions


def _walk(staff: StaffMember, filters: selectors.InboxFilters) -> list[list[int]]:
    pages, after = [], ""
    while True:
        page = selectors.inbox_page(staff, filters, after=after)
        pages.append([s.pk for s in page.rows])
        if not page.next_cursor:
            return pages
        after = page.next_cursor


@pytest.mark.parametrize("oldest_first", [False, True])
def test_paging_forward_visits_every_row_once_in_order(
    many: list[Submission], staff: StaffMember, oldest_first: bool
) -> None:
    filters = selectors.InboxFilters(oldest_first=oldest_first)

    pages = _walk(staff, filters)

    seen = [pk for page in pages for pk in page]
    expected = list(
        Submission.objects.order_by(
            *(("submitted_at", "id") if oldest_first else ("-submitted_at", "-id"))
        ).values_list("pk", flat=True)
    )
    assert seen == expected
    assert [len(p) for p in pages] == [5, 5, 5, 1]


def test_paging_back_returns_the_same_pages(many: list[Submission], staff: StaffMember) -> None:
    filters = selectors.InboxFilters()
    forward = _walk(staff, filters)
    page = selectors.inbox_page(staff, filters, after="")
    for _ in range(len(forward) - 1):
        page = selectors.inbox_page(staff, filters, after=page.next_cursor)

    backward = [[s.pk for s in page.rows]]
    while page.previous_cursor:
        page = selectors.inbox_page(staff, filters, before=page.previous_cursor)
        backward.append([s.pk for s in page.rows])

    assert backward[::-1] == forward


def test_filters_narrow_by_form_status_date_identity_and_name(
    form_version: FormVersion, staff: StaffMember
) -> None:
    other_form = publish_form(department=form_version.form.department, slug="other")
    taro = submit_application(form_version, name="加賀 太郎")
    hanako = submit_application(other_form, name="山代 花子")
    Submission.objects.filter(pk=hanako.pk).update(
        status="in_review", submitted_at=timezone.now() - timedelta(days=40)
    )

    def found(**values: object) -> set[str]:
        page = selectors.inbox_page(staff, selectors.InboxFilters(**values))  # type: ignore[arg-type]
        return {s.receipt_number for s in page.rows}

    both = {taro.receipt_number, hanako.receipt_number}
    assert found() == both
    assert found(form=other_form.form_id) == {hanako.receipt_number}
    assert found(status="in_review") == {hanako.receipt_number}
    assert found(received_from=timezone.localdate() - timedelta(days=7)) == {taro.receipt_number}
    assert found(received_to=timezone.localdate() - timedelta(days=30)) == {hanako.receipt_number}
    assert found(identity_level="mynumber") == set()
    assert found(query="山代") == {hanako.receipt_number}
    assert found(query=taro.receipt_number[:-2]) <= both
    assert found(assignee="none") == both


def test_malformed_filter_values_are_dropped_not_errors() -> None:
    filters = selectors.InboxFilters.from_query(
        {"form": "x", "status": "hacked", "from": "2026-13-45", "assignee": "1;drop", "q": " 太郎 "}
    )

    assert filters == selectors.InboxFilters(query="太郎")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL"
)
@pytest.mark.parametrize("values", [{}, {"status": "received"}])
def test_the_inbox_query_can_seek_in_its_index(
    many: list[Submission], staff: StaffMember, values: dict[str, str]
) -> None:
    """On a million rows the planner must be able to seek; here seq scans are switched off
    so the plan shows which index serves the query (the benchmark shows real timings)."""
    filters = selectors.InboxFilters(**values)  # type: ignore[arg-type]
    queryset = (
        selectors.filtered_inbox(staff, filters)
        .filter(submitted_at__lt=timezone.now())
        .order_by("-submitted_at", "-id")[:50]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()

    # Either keyset index serves the order (which one depends on the table's statistics);
    # what must not happen is sorting the department's rows.
    index = "inbox_by_status" if "inbox_by_status" in plan else "inbox_by_department"
    assert index in plan, plan
    assert "Sort" not in plan, plan
