"""Staff pages name people as colleagues know them; only those who can act are assignees."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.submissions import workflow
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    DepartmentFactory,
    StaffFactory,
    UserFactory,
    publish_form,
    submit_application,
)

pytestmark = pytest.mark.django_db

LogIn = Callable[[StaffMember], Client]


def named(
    department: Department, username: str, family: str, given: str, **kwargs: object
) -> StaffMember:
    user = UserFactory(username=username, last_name=family, first_name=given)
    return StaffFactory(
        user=user, municipality=department.municipality, departments=[department], **kwargs
    )


def test_a_display_name_puts_the_family_name_first(department: Department) -> None:
    hanako = named(department, "k.hanako", "健康", "花子")

    assert hanako.display_name == "健康 花子"


def test_a_colleague_without_a_name_is_shown_by_login_id(department: Department) -> None:
    nameless = StaffFactory(
        user=UserFactory(username="clerk7"), municipality=department.municipality
    )

    assert nameless.display_name == "clerk7"


def test_the_inbox_filter_offers_only_colleagues_of_the_department_who_can_act(
    department: Department, log_in: LogIn
) -> None:
    hanako = named(department, "k.hanako", "健康", "花子")
    named(department, "r.only", "閲覧", "専用", role=StaffRole.READ_ONLY)
    other = DepartmentFactory(municipality=department.municipality)
    named(other, "o.taro", "他課", "太郎")
    submit_application(publish_form(department=department))

    page = log_in(hanako).get(reverse("backoffice:inbox")).content.decode()

    assert "健康 花子" in page
    assert "閲覧 専用" not in page
    assert "他課 太郎" not in page
    assert "k.hanako" not in page


def test_the_detail_page_shows_the_assignee_and_the_history_by_display_name(
    department: Department, log_in: LogIn
) -> None:
    hanako = named(department, "k.hanako", "健康", "花子")
    named(department, "r.only", "閲覧", "専用", role=StaffRole.READ_ONLY)
    submission = submit_application(publish_form(department=department))
    workflow.assign(submission=submission, staff=hanako, assignee=hanako)
    url = reverse("backoffice:detail", kwargs={"receipt_number": submission.receipt_number})

    page = log_in(hanako).get(url).content.decode()

    assert "健康 花子" in page
    assert "閲覧 専用" not in page
    assert ">k.hanako<" not in page


def test_a_read_only_colleague_cannot_be_given_a_submission(department: Department) -> None:
    hanako = named(department, "k.hanako", "健康", "花子")
    reader = named(department, "r.only", "閲覧", "専用", role=StaffRole.READ_ONLY)
    submission = submit_application(publish_form(department=department))

    with pytest.raises(workflow.WorkflowRefused):
        workflow.assign(submission=submission, staff=hanako, assignee=reader)


def test_the_print_view_names_who_printed_it_family_name_first(
    department: Department, log_in: LogIn
) -> None:
    hanako = named(department, "k.hanako", "健康", "花子")
    submission = submit_application(publish_form(department=department))
    url = reverse("backoffice:print", kwargs={"receipt_number": submission.receipt_number})

    page = log_in(hanako).get(url).content.decode()

    assert "健康 花子" in page
    assert "花子 健康" not in page
