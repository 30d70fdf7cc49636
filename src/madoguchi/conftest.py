"""Fixtures for every app's tests."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import settings

from madoguchi.testing.factories import DepartmentFactory, StaffFactory, publish_form
from madoguchi.testing.payments import paysim  # noqa: F401 (the payment simulator's fixture)
from madoguchi.testing.staff import LogIn, log_in_staff

# No per-example deadline: on a loaded CI machine (two xdist workers beside browser tests)
# an example that takes 200 ms says nothing about the code, and speed is measured in
# bench/, never in unit tests. Hypothesis still reports examples that are slow to generate.
settings.register_profile("madoguchi", deadline=None)
settings.load_profile("madoguchi")


@pytest.fixture(autouse=True)
def default_language():  # type: ignore[no-untyped-def]
    """Every test starts in the site's default language (Japanese).

    Django's LocaleMiddleware leaves the language of the last request active in the thread,
    so a test that asked for English pages would otherwise change what the next test on the
    same worker reads (a refusal's message, a date's weekday).
    """
    translation.activate("ja")
    yield
    translation.deactivate()


@pytest.fixture
def department(db):  # type: ignore[no-untyped-def]
    return DepartmentFactory()


@pytest.fixture
def form_version(department):  # type: ignore[no-untyped-def]
    return publish_form(department=department)


@pytest.fixture
def staff(department):  # type: ignore[no-untyped-def]
    return StaffFactory(municipality=department.municipality, departments=[department])


@pytest.fixture
def demo_data(db):  # type: ignore[no-untyped-def]
    """The full demo: Kaga and Kobe, their staff and forms."""
    call_command("demo", "--reset", verbosity=0)


@pytest.fixture
def log_in() -> LogIn:
    """Log a staff member in (password, then the app's code); gives their browser (English)."""
    return log_in_staff
