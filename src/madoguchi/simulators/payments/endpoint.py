"""Stripe endpoints: a handler wrapped with authentication, errors and idempotency."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .models import IdempotentRequest
from .protocol import Account, ApiError, authenticate, dump, json_response, request_params
from .services import sweep

ApiHandler = Callable[..., dict[str, Any]]


def api(*methods: str) -> Callable[[ApiHandler], Callable[..., HttpResponse]]:
    """Wrap a handler ``(request, account, params, **kwargs) -> object`` as a Stripe endpoint."""

    def decorate(handler: ApiHandler) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ApiError(
                        404,
                        f"Unrecognized request URL ({request.method}: {request.path}).",
                    )
                account = authenticate(request)
                params = request_params(request)
                with transaction.atomic():
                    sweep(account.id)
                key = request.headers.get("Idempotency-Key", "")
                if request.method == "POST" and key:
                    return _idempotent(request, account, key, params, handler, kwargs)
                with transaction.atomic():
                    return json_response(200, dump(handler(request, account, params, **kwargs)))
            except ApiError as error:
                return json_response(error.status, dump({"error": error.body}))

        return view

    return decorate


def _idempotent(
    request: HttpRequest,
    account: Account,
    key: str,
    params: dict[str, Any],
    handler: ApiHandler,
    kwargs: dict[str, Any],
) -> HttpResponse:
    fingerprint = hashlib.sha256(
        json.dumps([request.path, params], sort_keys=True).encode()
    ).hexdigest()
    previous = IdempotentRequest.objects.filter(account=account.id, key=key).first()
    if previous is None:
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():  # a failed request leaves nothing behind
                        status, body = 200, dump(handler(request, account, params, **kwargs))
                except ApiError as error:
                    status, body = error.status, dump({"error": error.body})
                IdempotentRequest.objects.create(
                    account=account.id, key=key, fingerprint=fingerprint, status=status, body=body
                )
            return json_response(status, body)
        except IntegrityError:  # the same key at the same moment: answer as its first use
            previous = IdempotentRequest.objects.get(account=account.id, key=key)
    if previous.fingerprint != fingerprint:
        raise ApiError(
            400,
            "Keys for idempotent requests can only be used with the same parameters they were "
            f"first used with. Try using a key other than '{key}' if you meant to execute a "
            "different request.",
            type="idempotency_error",
        )
    return json_response(previous.status, previous.body, replayed=True)
