"""Staff login: a password, then a one-time code; repeated failures lock the account."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.backoffice.login_throttle import Throttle
from madoguchi.core import events
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import STAFF_PASSWORD, StaffFactory
from madoguchi.testing.http import redirect_of
from madoguchi.testing.staff import CODE_URL, INBOX_URL, LOGIN_URL, code_for, staff_browser

pytestmark = pytest.mark.django_db

SETUP_URL = "/staff/login/setup/"
FAILED = "The user name or password is wrong, or there were too many attempts."
CODE_FAILED = "The code is wrong or has expired, or there were too many attempts."


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    """Failure counts live in the cache; every test starts with none."""
    cache.clear()


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
    assert FAILED in known.text
    assert FAILED in unknown.text


def test_a_wrong_code_gets_401_and_no_session(staff: StaffMember) -> None:
    browser = staff_browser()
    enter_password(browser, staff)

    response = browser.post(CODE_URL, {"code": wrong(code_for())})

    assert response.status_code == 401
    assert CODE_FAILED in response.text
    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")


def test_the_code_page_needs_the_password_first(staff: StaffMember) -> None:
    browser = staff_browser()

    response = browser.post(CODE_URL, {"code": code_for()})

    assert response.url == LOGIN_URL
    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")


def test_wrong_passwords_make_only_the_client_that_sent_them_wait(staff: StaffMember) -> None:
    attacker = staff_browser("203.0.113.66")
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES):
        enter_password(attacker, staff, password="guess")

    refused = enter_password(attacker, staff)
    owner = enter_password(staff_browser("198.51.100.7"), staff)

    assert refused.status_code == 401
    assert FAILED in refused.text
    assert redirect_of(owner) == (302, f"{CODE_URL}?next=/staff/")
    staff.refresh_from_db()
    assert staff.locked_until is None


def test_the_wait_doubles_with_every_failure_after_it_ends(rf: Any, settings: Any) -> None:
    settings.MADOGUCHI_LOGIN_THROTTLE_SECONDS = 60
    throttle = Throttle.for_name(rf.post("/", REMOTE_ADDR="203.0.113.66"), "tanaka")
    waits = []
    for _ in range(3):
        while not throttle.waiting():
            throttle.fail()
        waits.append(round(cache.get(f"{throttle.key}:until") - time.time()))
        cache.delete(f"{throttle.key}:until")  # the wait is over

    assert waits == [60, 120, 240]


def test_the_wait_never_exceeds_its_maximum(rf: Any, settings: Any) -> None:
    settings.MADOGUCHI_LOGIN_THROTTLE_MAX_SECONDS = 300
    throttle = Throttle.for_name(rf.post("/", REMOTE_ADDR="203.0.113.66"), "tanaka")

    for _ in range(200):
        throttle.fail()

    assert cache.get(f"{throttle.key}:until") - time.time() <= 300


def test_user_name_case_does_not_give_more_attempts(staff: StaffMember) -> None:
    attacker = staff_browser("203.0.113.66")
    name = staff.user.get_username()
    for variant in [name.upper(), name.title(), f" {name} ", name, name.upper()]:
        attacker.post(LOGIN_URL, {"username": variant, "password": "guess"})

    assert FAILED in enter_password(attacker, staff).text


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting how often it hashes a password."""

    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


def _failure(
    browser: Client, username: str, password: str
) -> tuple[int, str, int, tuple[int, int]]:
    """Status, message, password hashes, queries and ledger entries of one failed login."""
    CountingHasher.calls = 0
    with CaptureQueriesContext(connection) as queries:
        response = browser.post(LOGIN_URL, {"username": username, "password": password})
    message = response.text.split('<div class="error-summary"', 1)[1].split("</div>", 1)[0]
    # The ledger's Merkle tree stores a node every other entry: count its entries instead.
    sql = [q["sql"] for q in queries.captured_queries]
    entries = sum('INSERT INTO "ledger_ledgerentry"' in q for q in sql)
    other = sum("ledger_" not in q for q in sql)
    return response.status_code, message, CountingHasher.calls, (other, entries)


def test_every_failed_login_looks_and_costs_the_same_whatever_its_reason(
    staff: StaffMember, department: Any, settings: Any
) -> None:
    """Unknown, wrong, waiting and locked: one status, one message, one hash, the same queries.

    The hash is what takes time (a quarter of a second with production's hasher); counting
    it instead of timing responses keeps the test exact on a busy machine.
    """
    settings.PASSWORD_HASHERS = ["madoguchi.backoffice.tests.test_login.CountingHasher"]
    name = staff.user.get_username()
    locked = StaffFactory(municipality=department.municipality, departments=[department])
    StaffMember.objects.filter(pk=locked.pk).update(
        locked_until=timezone.now() + timedelta(minutes=5)
    )
    not_staff = get_user_model().objects.create_user("not-staff", password=STAFF_PASSWORD)
    waiting = staff_browser("203.0.113.66")
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES):
        enter_password(waiting, staff, password="guess")

    outcomes = {
        "unknown": _failure(staff_browser(), "nobody-by-this-name", STAFF_PASSWORD),
        "wrong": _failure(staff_browser(), name, "guess"),
        "waiting, right password": _failure(waiting, name, STAFF_PASSWORD),
        "locked, right password": _failure(
            staff_browser(), locked.user.get_username(), STAFF_PASSWORD
        ),
        "not staff": _failure(staff_browser(), not_staff.get_username(), STAFF_PASSWORD),
    }

    assert len(set(outcomes.values())) == 1, outcomes
    status, message, hashes, _ = outcomes["unknown"]
    assert (status, hashes) == (401, 1)
    assert FAILED in message


def test_failed_logins_of_unknown_names_are_recorded_like_those_of_staff(
    staff: StaffMember,
) -> None:
    recorded: list[str] = []

    def keep(event: events.Event, actor: str, subject: str, detail: dict[str, str]) -> None:
        recorded.append(f"{event.value} {subject.split(':')[0]}")

    events.subscribe(keep)
    try:
        enter_password(staff_browser(), staff, password="guess")
        staff_browser().post(LOGIN_URL, {"username": "nobody", "password": "guess"})
    finally:
        events._subscribers.remove(keep)

    assert recorded == ["staff.login_failed staff", "staff.login_failed staff"]


def test_wrong_codes_make_only_the_client_that_sent_them_wait(
    staff: StaffMember, settings: Any
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own per-device delay, tested by it
    thief = staff_browser("203.0.113.66")
    enter_password(thief, staff)
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES):
        thief.post(CODE_URL, {"code": wrong(code_for())})

    refused = thief.post(CODE_URL, {"code": code_for()})
    owner = staff_browser("198.51.100.7")
    enter_password(owner, staff)
    TOTPDevice.objects.filter(user=staff.user).update(last_t=-1)  # the code may be used again

    assert refused.status_code == 401
    assert CODE_FAILED in refused.text
    assert redirect_of(owner.post(CODE_URL, {"code": code_for()})) == (302, INBOX_URL)


def test_wrong_codes_from_all_clients_together_lock_the_account(
    staff: StaffMember, settings: Any
) -> None:
    """Whoever reaches the code knows the password: many addresses must not mean many guesses."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    browsers = [
        staff_browser(f"203.0.113.{n}") for n in range(settings.MADOGUCHI_LOGIN_CODE_MAX_FAILURES)
    ]
    for browser in browsers:
        enter_password(browser, staff)
        browser.post(CODE_URL, {"code": wrong(code_for())})

    staff.refresh_from_db()
    owner = staff_browser("198.51.100.7")
    password = enter_password(owner, staff)

    assert staff.locked_until is not None and staff.locked_until > timezone.now()
    assert browsers[-1].get(CODE_URL).url == LOGIN_URL  # the pending login ended
    assert password.status_code == 401
    assert FAILED in password.text


def test_a_locked_account_refuses_the_right_code_even_after_the_right_password(
    staff: StaffMember,
) -> None:
    owner = staff_browser()
    enter_password(owner, staff)
    StaffMember.objects.filter(pk=staff.pk).update(
        locked_until=timezone.now() + timedelta(minutes=5)
    )

    response = owner.post(CODE_URL, {"code": code_for()})

    assert response.status_code == 401
    assert CODE_FAILED in response.text
    assert redirect_of(owner.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")


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
    StaffMember.objects.filter(pk=staff.pk).update(failed_logins=3)
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES - 1):
        enter_password(staff_browser(), staff, password="guess")

    log_in(staff)
    for _ in range(settings.MADOGUCHI_LOGIN_MAX_FAILURES - 1):
        enter_password(staff_browser(), staff, password="guess")

    staff.refresh_from_db()
    assert staff.failed_logins == 0
    assert redirect_of(enter_password(staff_browser(), staff)) == (
        302,
        f"{CODE_URL}?next=/staff/",
    )


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
    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")


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
    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")


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

    assert redirect_of(browser.get(INBOX_URL)) == (302, f"{LOGIN_URL}?next=/staff/")
