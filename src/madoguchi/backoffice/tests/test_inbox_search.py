"""Inbox search finds what a clerk types: given names, readings, receipt endings, no spaces."""

from __future__ import annotations

from collections.abc import Callable

import jaconv
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from madoguchi.backoffice import search
from madoguchi.backoffice.models import SearchTerm
from madoguchi.backoffice.selectors import InboxFilters, filtered_inbox
from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember
from madoguchi.testing.factories import DepartmentFactory, publish_form, submit_application
from madoguchi.testing.staff import INBOX_URL

pytestmark = pytest.mark.django_db

LogIn = Callable[[StaffMember], Client]


@pytest.fixture
def hanako(department: Department) -> Submission:
    return submit_application(
        publish_form(department=department), name="健康 花子", name_kana="ケンコウ ハナコ"
    )


@pytest.fixture
def taro(department: Department) -> Submission:
    return submit_application(
        publish_form(department=department, slug="other"), name="加賀 太郎", name_kana="カガ タロウ"
    )


def found(staff: StaffMember, query: str) -> set[str]:
    inbox = filtered_inbox(staff, InboxFilters(query=query))
    return set(inbox.values_list("receipt_number", flat=True))


@pytest.mark.parametrize(
    "query",
    [
        "健康",  # family name
        "花子",  # given name
        "健康花子",  # typed without the space
        "健康　花子",  # with an ideographic space
        "ケンコウ",  # reading, katakana
        "けんこう",  # reading, hiragana
        "はなこ",  # given name's reading, hiragana
        "ｹﾝｺｳﾊﾅｺ",  # half-width katakana without the space
    ],
)
def test_the_inbox_finds_an_applicant_by_any_part_of_the_name_or_its_reading(
    staff: StaffMember, hanako: Submission, taro: Submission, query: str
) -> None:
    assert found(staff, query) == {hanako.receipt_number}


def test_the_inbox_finds_a_submission_by_the_end_of_its_receipt_number(
    staff: StaffMember, hanako: Submission, taro: Submission
) -> None:
    ending = hanako.receipt_number[-4:]

    assert hanako.receipt_number in found(staff, ending)
    assert found(staff, hanako.receipt_number[-6:]) == {hanako.receipt_number}


def test_the_inbox_finds_a_submission_by_a_full_width_receipt_number(
    staff: StaffMember, hanako: Submission, taro: Submission
) -> None:
    full_width = jaconv.h2z(hanako.receipt_number, digit=True, ascii=True)

    assert found(staff, full_width) == {hanako.receipt_number}


def test_a_search_by_name_never_reaches_another_department(
    staff: StaffMember, hanako: Submission
) -> None:
    elsewhere = submit_application(
        publish_form(department=DepartmentFactory(), slug="x"), name="健康 花子"
    )

    assert elsewhere.receipt_number not in found(staff, "花子")


def test_the_search_page_answers_with_the_matching_row(
    staff: StaffMember, hanako: Submission, taro: Submission, log_in: LogIn
) -> None:
    page = log_in(staff).get(INBOX_URL, {"q": "はなこ"}).content.decode()

    assert hanako.receipt_number in page
    assert taro.receipt_number not in page


def test_search_terms_follow_a_corrected_name(staff: StaffMember, hanako: Submission) -> None:
    hanako.answers["name"] = "健康 春子"
    hanako.applicant_name = "健康 春子"
    hanako.save(update_fields=["answers", "applicant_name"])

    assert found(staff, "春子") == {hanako.receipt_number}
    assert found(staff, "花子") == set()


def test_search_terms_go_with_the_submission(hanako: Submission) -> None:
    hanako.delete()

    assert not SearchTerm.objects.exists()


def test_every_search_is_a_prefix_match_an_index_can_answer(
    staff: StaffMember, hanako: Submission
) -> None:
    with CaptureQueriesContext(connection) as queries:
        found(staff, "花子")

    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "LIKE" in sql
    assert "'%花子" not in sql and "%%花子" not in sql


@given(st.text(alphabet=st.characters(min_codepoint=0x3041, max_codepoint=0x3096), max_size=20))
def test_a_reading_is_the_same_typed_in_hiragana_or_katakana(reading: str) -> None:
    assert search.normalise(reading) == search.normalise(jaconv.hira2kata(reading))


@given(st.text(max_size=30))
def test_normalising_is_idempotent_and_ignores_spaces(text: str) -> None:
    once = search.normalise(text)

    assert search.normalise(once) == once
    assert search.normalise(" ".join(text)) == once
