"""Content-Security-Policy for pages whose forms send the resident to an identity provider.

Every page sends ``form-action 'self'``. Browsers apply ``form-action`` to the redirects
that follow a form submission too (Chromium drops them silently), so a form that POSTs
to us and is answered with a 302 to the provider would go nowhere: the provider is
always on another origin (the Digital Authentication App at auth-and-sign.go.jp).

The pages whose forms start a login or a signature therefore allow exactly the origins
of the providers those forms can reach: each provider's issuer and the authorization
endpoint of its discovery document. No wildcard, no other page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TypeVar

from django.http import HttpResponseBase

from madoguchi.core.origins import origin

from . import oidc
from .models import IdentityProvider

__all__ = ["allow_provider_redirects", "origin", "provider_origins", "with_form_action"]

logger = logging.getLogger("madoguchi.identity")

Response = TypeVar("Response", bound=HttpResponseBase)


def provider_origins(providers: Iterable[IdentityProvider]) -> list[str]:
    """The origins a browser is redirected to when a login or signature starts.

    The issuer, and the authorization endpoint of the (cached) discovery document. When
    the document cannot be fetched the flow cannot start either (the resident is told
    so on submitting), so the issuer alone is allowed.
    """
    found: list[str] = []
    for provider in providers:
        urls = [provider.issuer]
        try:
            urls.append(str(oidc.metadata(provider).get("authorization_endpoint", "")))
        except oidc.LoginFailed as failure:
            logger.info("CSP for %s: issuer only (discovery: %s)", provider, failure.check)
        for url in urls:
            allowed = origin(url)
            if allowed and allowed not in found:
                found.append(allowed)
    return found


def with_form_action(response: Response, origins: Iterable[str]) -> Response:
    """Add ``origins`` to the response's ``form-action`` (django-csp 4 per-response update)."""
    extra = [o for o in origins if o]
    if extra:
        update = dict(getattr(response, "_csp_update", None) or {})
        update["form-action"] = [*update.get("form-action", []), *extra]
        response._csp_update = update  # type: ignore[attr-defined]
    return response


def allow_provider_redirects(response: Response, providers: Iterable[IdentityProvider]) -> Response:
    """Let the forms of this page redirect to ``providers`` (login or signing)."""
    return with_form_action(response, provider_origins(providers))
