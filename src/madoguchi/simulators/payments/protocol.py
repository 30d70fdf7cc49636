"""Stripe's wire protocol: API keys, form-encoded nested parameters, errors, idempotency.

What the official SDK sends (stripe 14.x, ``_api_requestor``): ``Authorization: Bearer
sk_…``; POST bodies ``application/x-www-form-urlencoded`` with nested keys
(``metadata[k]=v``, ``line_items[0][price_data][unit_amount]=500``, lists always indexed:
``expand[0]=payment_intent``; ``expand[]`` from hand-written requests works too); GET
parameters in the query string the same way; an ``Idempotency-Key`` on every POST. What
it parses: JSON objects whose ``object`` names the class, and errors
``{"error": {"type", "code", "message", "param"}}`` whose HTTP status picks the exception
(400/404 InvalidRequestError or IdempotencyError by type, 401 AuthenticationError, 402
CardError, 403 PermissionError, 429 RateLimitError).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

API_VERSION = "2026-02-25.clover"  # stripe 14.4.2's _ApiVersion.CURRENT
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


class ApiError(Exception):
    """An error answer in Stripe's shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code is not None:
            self.body["code"] = code
        if param is not None:
            self.body["param"] = param
        self.body.update(extra or {})


def missing(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def invalid(param: str, message: str, code: str = "parameter_invalid_string") -> ApiError:
    return ApiError(400, message, code=code, param=param)


@dataclass(frozen=True)
class Account:
    id: str
    secret_key: str
    name: str
    webhook_secret: str
    webhook_url: str


def accounts() -> dict[str, Account]:
    """The simulator's merchant accounts by secret key (MADOGUCHI_PAYSIM_ACCOUNTS)."""
    configured: dict[str, dict[str, str]] = getattr(settings, "MADOGUCHI_PAYSIM_ACCOUNTS", {})
    return {
        key: Account(
            id=account_id(key),
            secret_key=key,
            name=options.get("name", ""),
            webhook_secret=options.get("webhook_secret", ""),
            webhook_url=options.get("webhook_url", ""),
        )
        for key, options in configured.items()
    }


def account_id(secret_key: str) -> str:
    return "acct_" + hashlib.sha256(secret_key.encode()).hexdigest()[:16]


def account_by_id(identifier: str) -> Account | None:
    return next((a for a in accounts().values() if a.id == identifier), None)


def _masked(key: str) -> str:
    return f"{key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}" if len(key) > 12 else "****"


def authenticate(request: HttpRequest) -> Account:
    header = request.headers.get("Authorization", "")
    key = ""
    if header.startswith("Bearer "):
        key = header.removeprefix("Bearer ").strip()
    elif header.startswith("Basic "):  # stripe-cli and curl -u sk_…:
        try:
            key = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)[0]
        except ValueError:
            key = ""
    if not key:
        raise ApiError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth "
            "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    account = accounts().get(key)
    if account is None:
        raise ApiError(401, f"Invalid API Key provided: {_masked(key)}", code="api_key_invalid")
    return account


def _segments(key: str) -> list[str]:
    """``a[b][0][]`` → ["a", "b", "0", ""]."""
    head, bracket, rest = key.partition("[")
    parts = [head]
    if bracket:
        parts += rest.removesuffix("]").split("][")
    return parts


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        converted = {k: _listify(v) for k, v in value.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    if isinstance(value, list):
        return [_listify(v) for v in value]
    return value


def nested(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Rails-style nested form parameters, as Stripe reads them."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _segments(key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(node, list):  # after a "[]"
                if last:
                    node.append(value)
                    break
                node.append({})
                node = node[-1]
                continue
            if last:
                node[part] = value
            elif parts[index + 1] == "":
                node = node.setdefault(part, [])
                if index + 1 == len(parts) - 1:
                    node.append(value)
                    break
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    result: dict[str, Any] = _listify(root)
    return result


def request_params(request: HttpRequest) -> dict[str, Any]:
    source = request.GET if request.method == "GET" else request.POST
    return nested((k, v) for k in source for v in source.getlist(k))


def json_response(status: int, body: str, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Request-Id"] = new_id("req_", 14)
    response["Stripe-Version"] = API_VERSION
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
