"""Staff login: a password, then a one-time code; repeated failures lock the account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import STAFF_PASSWORD, StaffFactory

from .conftest import CODE_URL, INBOX_URL, LOGIN_URL, code_for, staff_browser

pytestmark = pytest.mark.django_db

SETUP_URL = "/staff/login/setup/"
LOCKED = "This account is locked after repeated failed attempts."


def enter_password(browser: Client, staff: StaffMember, password: str = STAFF_PASSWORD) -> Any:
    return browser.post(LOGIN_URL, {"username": staff.user.get_username(), "password": password})


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def test_the_right_password_leads_to_the_code_page(staff: StaffMember) -> None:
    browser = staff_browser()

    response = enter_password(browser, staff)

    assert response.status_code == 302
    assert response.url == f"{CODE_URL}?next=/staff/"


def test_the_right_code_after_the_password_opens_the_inbox(staff: StaffMember) -> None:
    browser = staff_browser()
    enter_password(browser, staff)

    response = browser.post(f"{CODE_URL}?next=/staff/", {"code": code_for(), "next": "/staff/"})

    assert response.status_code == 302
    assert response.url == INBOX_URL
    assert browser.get(INBOX_URL).status_code == 200


@pytest.mark.parametrize("username", ["unknown-person", "staff-typo"])
def test_a_wrong_password_or_unknown_user_gets_the_same_401(
    staff: StaffMember, username: str
) -> None:
    browser = staff_browser()

    known = enter_password(browser, staff, password="not-the-password")
    unknown = browser.post(LOGIN_URL, {"username": username, "password": STAFF_PASSWORD})

    assert known.status_code == unknown.status_code == 401
    assert "The user name or password is wrong." in known.text
    assert "The user name or password is wrong." in unknown.text


def test_a_wrong_code_gets_401_and_no_session(staff: StaffMember) -> None:
    browser = staff_browser()
    enter_password(browser, staff)

    response = browser.post(CODE_URL, {"code": wrong(code_for())})

    assert response.status_code == 401
    assert "The code is wrong or has expired." in response.text
    assert browser.get(INBOX_URL).status_code == 302


def test_the_code_page_needs_the_password_first(staff: StaffMember) -> None:
    browser = staff_browser()

    response = browser.post(CODE_URL, {"code": code_for()})

    assert response.url == LOGIN_URL
    assert browser.get(INBOX_URL).status_code == 302


def test_an_account_locks_after_too_many_wrong_passwords_even_for_the_right_password(
    staff: StaffMember,
) -> None:
    browser = staff_browser()
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES):
        enter_password(browser, staff, password="guess")

    response = enter_password(browser, staff)

    staff.refresh_from_db()
    assert response.status_code == 401
    assert LOCKED in response.text
    assert staff.locked_until is not None and staff.locked_until > timezone.now()


def test_a_locked_account_refuses_the_right_code_even_after_the_right_password(
    staff: StaffMember,
) -> None:
    owner = staff_browser()
    enter_password(owner, staff)
    attacker = staff_browser()
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES):
        enter_password(attacker, staff, password="guess")

    response = owner.post(CODE_URL, {"code": code_for()})

    assert response.status_code == 401
    assert LOCKED in response.text
    assert owner.get(INBOX_URL).status_code == 302


def test_wrong_codes_count_towards_the_lock(staff: StaffMember) -> None:
    browser = staff_browser()
    enter_password(browser, staff)
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES - 1):
        assert browser.post(CODE_URL, {"code": wrong(code_for())}).status_code == 401

    last = browser.post(CODE_URL, {"code": wrong(code_for())})

    assert LOCKED in last.text
    assert LOCKED in enter_password(browser, staff).text


def test_a_lock_ends_after_its_time(
    staff: StaffMember, log_in: Callable[[StaffMember], Client]
) -> None:
    StaffMember.objects.filter(pk=staff.pk).update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )

    browser = log_in(staff)

    assert browser.get(INBOX_URL).status_code == 200


def test_a_successful_login_forgets_earlier_failures(
    staff: StaffMember, log_in: Callable[[StaffMember], Client]
) -> None:
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES - 1):
        enter_password(staff_browser(), staff, password="guess")

    log_in(staff)

    staff.refresh_from_db()
    assert staff.failed_logins == 0


def test_too_many_login_attempts_from_one_address_are_slowed_down(
    staff: StaffMember, settings: Any
) -> None:
    settings.MADOGUCHI_RATE_LIMITS = settings.MADOGUCHI_RATE_LIMITS | {"login": 2}
    cache.clear()
    browser = staff_browser()

    statuses = [enter_password(browser, staff, password="guess").status_code for _ in range(3)]

    cache.clear()
    assert statuses == [401, 401, 429]


def test_login_never_redirects_outside_the_staff_pages(staff: StaffMember) -> None:
    browser = staff_browser()
    enter_password(browser, staff)

    response = browser.post(f"{CODE_URL}?next=https://evil.example/", {"code": code_for()})

    assert response.url == INBOX_URL


# --- enrolling a second factor ------------------------------------------------------------


@pytest.fixture
def newcomer(department: Any) -> StaffMember:
    """Staff who have never set up an authenticator app."""
    return StaffFactory(municipality=department.municipality, departments=[department], totp=False)


def test_staff_without_an_authenticator_are_sent_to_set_one_up(newcomer: StaffMember) -> None:
    browser = staff_browser()

    response = enter_password(browser, newcomer)
    page = browser.get(SETUP_URL)

    device = TOTPDevice.objects.get(user=newcomer.user)
    assert response.url == SETUP_URL
    assert page.status_code == 200
    assert '<img src="data:image/svg+xml' in page.text
    assert not device.confirmed
    assert browser.get(INBOX_URL).status_code == 302


def test_setting_up_the_authenticator_is_confirmed_with_its_code_and_logs_in(
    newcomer: StaffMember,
) -> None:
    browser = staff_browser()
    enter_password(browser, newcomer)
    browser.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=newcomer.user)

    response = browser.post(SETUP_URL, {"code": code_for(device.key)})

    device.refresh_from_db()
    assert response.url == INBOX_URL
    assert device.confirmed
    assert browser.get(INBOX_URL).status_code == 200


def test_a_wrong_code_does_not_confirm_the_authenticator(newcomer: StaffMember) -> None:
    browser = staff_browser()
    enter_password(browser, newcomer)
    browser.get(SETUP_URL)
    device = TOTPDevice.objects.get(user=newcomer.user)

    response = browser.post(SETUP_URL, {"code": wrong(code_for(device.key))})

    device.refresh_from_db()
    assert response.status_code == 401
    assert not device.confirmed
    assert browser.get(INBOX_URL).status_code == 302


def test_staff_with_an_authenticator_cannot_set_up_another_after_the_password(
    staff: StaffMember,
) -> None:
    browser = staff_browser()
    enter_password(browser, staff)

    response = browser.get(SETUP_URL)

    assert response.url == CODE_URL
    assert TOTPDevice.objects.filter(user=staff.user).count() == 1


def test_the_setup_page_needs_the_password_first(db: None) -> None:
    response = staff_browser().get(SETUP_URL)

    assert response.url == LOGIN_URL


def test_logging_out_ends_the_session(
    staff: StaffMember, log_in: Callable[[StaffMember], Client]
) -> None:
    browser = log_in(staff)

    browser.post("/staff/logout/")

    assert browser.get(INBOX_URL).status_code == 302
