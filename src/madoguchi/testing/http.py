"""Small assertions about HTTP responses that tests share."""

from __future__ import annotations

from django.http import HttpResponseBase


def redirect_of(response: HttpResponseBase) -> tuple[int, str | None]:
    """(status, Location): compare both at once, so a test of a redirect also says where to.

    A bare ``status_code == 302`` passes for a redirect to the wrong page, including the
    login page of a check that failed; ``assert redirect_of(r) == (302, url)`` does not.
    """
    return response.status_code, response.headers.get("Location")
