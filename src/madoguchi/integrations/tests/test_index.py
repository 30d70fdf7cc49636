"""The integrations home: the staff menu's one entry to the four ways in."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from madoguchi.tenants.models import Department, StaffRole
from madoguchi.testing.factories import StaffFactory
from madoguchi.testing.staff import LogIn

HOME = reverse("integrations:index")


def test_an_admin_sees_all_four_ways_in(department: Department, log_in: LogIn) -> None:
    admin = StaffFactory(municipality=department.municipality, role=StaffRole.MUNICIPALITY_ADMIN)
    page = log_in(admin).get(HOME).content.decode()

    for name in ("clients", "webhooks", "keys", "drops"):
        assert reverse(f"integrations:{name}") in page


def test_department_staff_see_only_what_their_role_uses(
    department: Department, staff: Any, log_in: LogIn
) -> None:
    page = log_in(staff).get(HOME).content.decode()

    assert reverse("integrations:webhooks") in page
    assert reverse("integrations:drops") in page
    assert reverse("integrations:clients") not in page
    assert reverse("integrations:keys") not in page


def test_the_staff_menu_links_to_it(department: Department, staff: Any, log_in: LogIn) -> None:
    assert HOME in log_in(staff).get(reverse("backoffice:inbox")).content.decode()
