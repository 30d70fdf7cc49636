"""Logging staff in the way they really do: password, then the code from their app.

The one staff login for every app's tests: :func:`log_in_staff` (and the ``log_in``
fixture in the root conftest that calls it). A session made with ``force_login`` has no
verified second factor, so the staff pages would send it back to the login page.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pyotp
from django.test import Client
from django.urls import reverse

from madoguchi.tenants.models import StaffMember

from .factories import STAFF_PASSWORD, TOTP_KEY

LOGIN_URL = reverse("backoffice:login")
CODE_URL = reverse("backoffice:otp")
INBOX_URL = reverse("backoffice:inbox")

# What the ``log_in`` fixture gives a test: staff member in, browser past both factors out.
LogIn = Callable[[StaffMember], Client]


def code_for(hex_key: str = TOTP_KEY) -> str:
    """The code an authenticator app shows now for a device's secret (hex, as stored)."""
    return pyotp.TOTP(base64.b32encode(bytes.fromhex(hex_key)).decode()).now()


def staff_browser(address: str = "127.0.0.1", *, language: str = "en") -> Client:
    """A browser asking for ``language``; ``address`` is where its requests come from."""
    return Client(headers={"accept-language": language}, REMOTE_ADDR=address)


def log_in_staff(
    staff: StaffMember, *, browser: Client | None = None, language: str = "en"
) -> Client:
    """A browser in which ``staff`` has passed both factors (a new one unless given)."""
    browser = browser or staff_browser(language=language)
    password = browser.post(
        LOGIN_URL, {"username": staff.user.get_username(), "password": STAFF_PASSWORD}
    )
    assert password.status_code == 302, password.status_code
    code = browser.post(CODE_URL, {"code": code_for()})
    assert code.status_code == 302, code.status_code
    return browser
