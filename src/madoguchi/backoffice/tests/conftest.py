"""Logging staff in the way they really do: password, then the code from their app."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.tenants.models import StaffMember
from madoguchi.testing.factories import STAFF_PASSWORD, TOTP_KEY

LOGIN_URL = reverse("backoffice:login")
CODE_URL = reverse("backoffice:otp")
INBOX_URL = reverse("backoffice:inbox")


def code_for(hex_key: str = TOTP_KEY) -> str:
    """The code an authenticator app shows now for a device's secret."""
    return pyotp.TOTP(base64.b32encode(bytes.fromhex(hex_key)).decode()).now()


def staff_browser(address: str = "127.0.0.1") -> Client:
    """A browser; ``address`` is where its requests come from (REMOTE_ADDR)."""
    return Client(headers={"accept-language": "en"}, REMOTE_ADDR=address)


@pytest.fixture
def log_in() -> Callable[[StaffMember], Client]:
    """A browser in which ``staff`` has passed both factors."""

    def log_in(staff: StaffMember) -> Client:
        browser = staff_browser()
        password = browser.post(
            LOGIN_URL, {"username": staff.user.get_username(), "password": STAFF_PASSWORD}
        )
        assert password.status_code == 302, password.status_code
        code = browser.post(CODE_URL, {"code": code_for()})
        assert code.status_code == 302, code.status_code
        return browser

    return log_in
