"""Every answer under /api/ is JSON in the documented ``Problem`` shape, errors included.

Ninja's own exception handlers (madoguchi.api.api) shape what happens inside an
operation. Some answers never reach one: an address with no operation (Django's 404),
a method the address does not take (ninja's 405), a request Django refuses before any
view (400 for a malformed or oversized request). This middleware turns those HTML or
text answers into ``{"code": ..., "message": ...}`` in the client's language, keeping the status
and headers such as ``Allow``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
DESCRIPTION = "/api/v1/openapi.json"
KEPT_HEADERS = ("Allow", "Retry-After")


def problem_code(status: int) -> str:
    """The stable code of an error answer by its status alone (docs/api.md, "Error codes")."""
    if status == 404:
        return "not_found"
    if status == 405:
        return "method_not_allowed"
    if status == 413:
        return "too_large"
    if status >= 500:
        return "server_error"
    return "malformed_request"


def problem_message(status: int, method: str = "") -> str:
    """The message of an error answer the operations do not word themselves."""
    if status == 404:
        return _("There is nothing at this address. The API is described at %(url)s.") % {
            "url": DESCRIPTION
        }
    if status == 405:
        return _(
            "This address does not take %(method)s requests. The API is described at %(url)s."
        ) % {"method": method, "url": DESCRIPTION}
    if status == 413:
        return _("The request is too large. Send less data at once.")
    if status >= 500:
        return _("Something went wrong on our side. Please try again in a few minutes.")
    return _("The request could not be read. Check it against the API description at %(url)s.") % {
        "url": DESCRIPTION
    }


def is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


class ApiErrorsAsJson:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if is_json(response):
            return response
        problem = JsonResponse(
            {
                "code": problem_code(response.status_code),
                "message": problem_message(response.status_code, request.method or ""),
            },
            status=response.status_code,
        )
        for header in KEPT_HEADERS:
            if header in response:
                problem[header] = response[header]
        return problem
