"""The staff inbox: only for staff past both factors, and only their departments' submissions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.submissions.models import Submission
from madoguchi.tenants.models import Department, StaffMember, StaffRole
from madoguchi.testing.factories import (
    STAFF_PASSWORD,
    DepartmentFactory,
    StaffFactory,
    UserFactory,
    publish_form,
    submit_application,
)
from madoguchi.testing.http import redirect_of
from madoguchi.testing.staff import INBOX_URL, LOGIN_URL, staff_browser

pytestmark = pytest.mark.django_db

LogIn = Callable[[StaffMember], Client]


@dataclass
class City:
    health: Department
    environment: Department
    from_health: Submission
    from_environment: Submission
    elsewhere: Submission


@pytest.fixture
def city(department: Department) -> City:
    """Two departments of one city with a submission each, and one in another city."""
    environment = DepartmentFactory(municipality=department.municipality, name_en="Environment")
    other_city = DepartmentFactory()
    return City(
        health=department,
        environment=environment,
        from_health=submit_application(publish_form(department=department), name="加賀 太郎"),
        from_environment=submit_application(
            publish_form(department=environment, slug="sodaigomi"), name="山代 花子"
        ),
        elsewhere=submit_application(publish_form(department=other_city), name="神戸 次郎"),
    )


def detail_url(submission: Submission) -> str:
    return reverse("backoffice:detail", kwargs={"receipt_number": submission.receipt_number})


def listed(browser: Client, query: str = "") -> set[str]:
    response = browser.get(INBOX_URL, {"q": query} if query else {})
    assert response.status_code == 200
    return {s.receipt_number for s in Submission.objects.all() if detail_url(s) in response.text}


def test_the_inbox_sends_visitors_to_the_login(db: None) -> None:
    response = staff_browser().get(INBOX_URL)

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next=/staff/"


def test_a_password_alone_does_not_open_the_inbox(staff: StaffMember, city: City) -> None:
    browser = staff_browser()
    browser.post(LOGIN_URL, {"username": staff.user.get_username(), "password": STAFF_PASSWORD})

    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")
    detail = detail_url(city.from_health)
    assert redirect_of(browser.get(detail)) == (302, f"{LOGIN_URL}?next={detail}")


def test_a_session_without_a_verified_second_factor_does_not_open_the_inbox(
    staff: StaffMember,
) -> None:
    browser = staff_browser()
    browser.force_login(staff.user)

    response = browser.get(INBOX_URL)

    assert redirect_of(response) == (302, f"{LOGIN_URL}?next=/staff/")


def test_department_staff_see_only_their_departments_submissions(
    staff: StaffMember, city: City, log_in: LogIn
) -> None:
    browser = log_in(staff)

    assert listed(browser) == {city.from_health.receipt_number}


def test_staff_of_several_departments_see_all_of_them(city: City, log_in: LogIn) -> None:
    both = StaffFactory(
        municipality=city.health.municipality, departments=[city.health, city.environment]
    )

    browser = log_in(both)

    assert listed(browser) == {
        city.from_health.receipt_number,
        city.from_environment.receipt_number,
    }


def test_the_administrator_sees_the_whole_municipality_and_no_other(
    city: City, log_in: LogIn
) -> None:
    admin = StaffFactory(municipality=city.health.municipality, role=StaffRole.MUNICIPALITY_ADMIN)

    browser = log_in(admin)

    assert listed(browser) == {
        city.from_health.receipt_number,
        city.from_environment.receipt_number,
    }
    assert browser.get(detail_url(city.elsewhere)).status_code == 404


def test_another_departments_submission_is_not_found(
    staff: StaffMember, city: City, log_in: LogIn
) -> None:
    browser = log_in(staff)

    assert browser.get(detail_url(city.from_environment)).status_code == 404
    assert browser.get(detail_url(city.elsewhere)).status_code == 404


def test_a_submission_shows_its_answers_to_its_department(
    staff: StaffMember, city: City, log_in: LogIn
) -> None:
    browser = log_in(staff)

    response = browser.get(detail_url(city.from_health))

    assert response.status_code == 200
    assert city.from_health.receipt_number in response.text
    assert "<dt>Name</dt><dd>加賀 太郎</dd>" in response.text


@pytest.mark.parametrize("query", ["receipt", "name"])
def test_the_inbox_is_searched_by_receipt_number_or_applicant_name(
    city: City, log_in: LogIn, query: str
) -> None:
    admin = StaffFactory(municipality=city.health.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    browser = log_in(admin)
    term = city.from_environment.receipt_number if query == "receipt" else "山代"

    found = listed(browser, term)

    assert found == {city.from_environment.receipt_number}


def test_searching_never_reaches_beyond_what_staff_may_see(
    staff: StaffMember, city: City, log_in: LogIn
) -> None:
    browser = log_in(staff)

    assert listed(browser, "山代") == set()
    assert listed(browser, city.elsewhere.receipt_number) == set()


def test_read_only_staff_can_view_their_departments_submissions(city: City, log_in: LogIn) -> None:
    viewer = StaffFactory(
        municipality=city.health.municipality, role=StaffRole.READ_ONLY, departments=[city.health]
    )

    browser = log_in(viewer)

    assert listed(browser) == {city.from_health.receipt_number}
    assert browser.get(detail_url(city.from_health)).status_code == 200
    assert browser.get(detail_url(city.from_environment)).status_code == 404


def test_a_user_who_is_not_staff_is_not_let_in(db: None) -> None:
    UserFactory(username="resident")
    browser = staff_browser()

    response = browser.post(LOGIN_URL, {"username": "resident", "password": STAFF_PASSWORD})

    assert response.status_code == 401
    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")
