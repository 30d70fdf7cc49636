"""The staff login gate: who gets through, and reading the staff member back."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from madoguchi.core.staff import staff_of, staff_required
from madoguchi.tenants.models import StaffMember
from madoguchi.testing.http import redirect_of


@staff_required
def whoami(request: HttpRequest) -> HttpResponse:
    return HttpResponse(staff_of(request).user.get_username())


def test_a_visitor_is_sent_to_the_staff_login_to_come_back_to_the_page() -> None:
    request = RequestFactory().get("/staff/forms/")
    request.user = AnonymousUser()

    assert redirect_of(whoami(request)) == (
        302,
        f"{reverse('backoffice:login')}?next=/staff/forms/",
    )


def test_a_verified_staff_member_is_read_back_typed(staff: StaffMember) -> None:
    request = RequestFactory().get("/staff/forms/")
    user = staff.user
    # What django_otp's middleware adds once the second factor is verified.
    user.is_verified = lambda: True  # type: ignore[attr-defined]
    request.user = user

    response = whoami(request)

    assert isinstance(response, HttpResponse)
    assert response.content.decode() == user.get_username()


def test_reading_the_staff_member_outside_the_gate_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="staff_required"):
        staff_of(RequestFactory().get("/staff/forms/"))
