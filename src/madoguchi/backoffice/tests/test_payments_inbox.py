"""The inbox's payment badge (未納 / 支払済 / 返金済) and its filter 支払状況, in the page's
own query: no query per row, and keyset pagination as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from madoguchi.backoffice import selectors
from madoguchi.payments.states import PaymentStatus
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import submit_application
from madoguchi.testing.staff import log_in_staff

from .payment_fixtures import fee_form, paid, pending

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("backoffice:inbox")


@pytest.fixture
def applications(kaga_department: Department) -> dict[str, Submission]:
    """One application per payment state, and one without a payment."""
    form = fee_form(kaga_department)
    made = {
        name: submit_application(form, count=1, name=name)
        for name in ("未納 太郎", "支払済 花子", "返金済 次郎", "支払なし 三郎", "再挑戦 四郎")
    }
    pending(made["未納 太郎"])
    paid(made["支払済 花子"])
    paid(made["返金済 次郎"], status=PaymentStatus.REFUNDED)
    # A payment that expired, then a new one that was paid: paid, not unpaid.
    expired = pending(made["再挑戦 四郎"])
    expired.status = PaymentStatus.EXPIRED
    expired.save(update_fields=["status"])
    paid(made["再挑戦 四郎"])
    return made


def test_each_row_shows_its_payment_state(
    applications: dict[str, Submission], clerk: StaffMember
) -> None:
    rows = selectors.inbox_page(clerk, selectors.InboxFilters()).rows

    states = {s.applicant_name: s.payment_state for s in rows}  # type: ignore[attr-defined]
    assert states == {
        "未納 太郎": "unpaid",
        "支払済 花子": "paid",
        "返金済 次郎": "refunded",
        "支払なし 三郎": "",
        "再挑戦 四郎": "paid",
    }


def test_the_badges_read_in_japanese(
    applications: dict[str, Submission], clerk: StaffMember
) -> None:
    html = log_in_staff(clerk, language="ja").get(INBOX_URL).text

    assert html.count('data-testid="payment-badge"') == 4
    assert 'data-state="unpaid">未納<' in html
    assert 'data-state="paid">支払済<' in html
    assert 'data-state="refunded">返金済<' in html
    assert "支払状況" in html


@pytest.mark.parametrize(
    ("state", "names"),
    [
        ("unpaid", {"未納 太郎"}),
        ("paid", {"支払済 花子", "再挑戦 四郎"}),
        ("refunded", {"返金済 次郎"}),
        ("bogus", {"未納 太郎", "支払済 花子", "返金済 次郎", "支払なし 三郎", "再挑戦 四郎"}),
    ],
)
def test_the_filter_narrows_by_payment_state(
    applications: dict[str, Submission], clerk: StaffMember, state: str, names: set[str]
) -> None:
    filters = selectors.InboxFilters.from_query({"payment": state})

    rows = selectors.inbox_page(clerk, filters).rows

    assert {s.applicant_name for s in rows} == names


def test_the_filter_is_kept_across_pages(
    applications: dict[str, Submission],
    clerk: StaffMember,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    filters = selectors.InboxFilters.from_query({"payment": "paid"})
    browser = log_in_staff(clerk)

    first = selectors.inbox_page(clerk, filters)
    second = selectors.inbox_page(clerk, filters, after=first.next_cursor)
    html = browser.get(INBOX_URL, {"payment": "paid"}).text

    assert {first.rows[0].applicant_name, second.rows[0].applicant_name} == {
        "支払済 花子",
        "再挑戦 四郎",
    }
    assert not second.next_cursor
    assert "payment=paid" in html and 'rel="next"' in html
    assert '<option value="paid" selected>' in html


def _inbox_queries(browser, params: dict[str, str] | None = None) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(INBOX_URL, params or {})
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("params", [{}, {"payment": "unpaid"}, {"payment": "paid"}])
def test_the_inbox_needs_no_query_per_row_or_payment(
    kaga_department: Department, clerk: StaffMember, params: dict[str, str]
) -> None:
    form = fee_form(kaga_department)
    browser = log_in_staff(clerk)
    for _ in range(2):
        paid(submit_application(form, count=1))
        pending(submit_application(form, count=1))
    few = _inbox_queries(browser, params)

    for _ in range(6):
        paid(submit_application(form, count=1))
        pending(submit_application(form, count=1))
        submit_application(form, count=1)
    many = _inbox_queries(browser, params)

    assert many == few


def test_the_payment_state_is_part_of_the_page_query(
    kaga_department: Department, clerk: StaffMember
) -> None:
    paid(submit_application(fee_form(kaga_department), count=1))

    with CaptureQueriesContext(connection) as queries:
        selectors.inbox_page(clerk, selectors.InboxFilters())

    assert len(queries.captured_queries) == 2  # the department ids, then the page
    assert "payments_payment" in queries.captured_queries[-1]["sql"]
