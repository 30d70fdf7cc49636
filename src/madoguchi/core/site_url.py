"""Development: say so when a page is opened at another address than MADOGUCHI_SITE_URL.

The site URL drives the identity simulator's issuer and redirect URIs, receipt QR codes
and links in emails. Served at another port (``runserver 8080`` without ``make run
PORT=8080``), the card login goes back to the old port and nothing says why. This
middleware, used only with ``DEBUG``, logs a warning once per address and puts a notice
on every page (``request.site_url_mismatch``, shown by base.html).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponseBase

from madoguchi.core.origins import origin

logger = logging.getLogger("madoguchi.site_url")

__all__ = ["SiteUrlCheckMiddleware", "mismatch"]


def mismatch(request: HttpRequest) -> str:
    """The configured site URL when this request came to another origin, else ""."""
    here = origin(f"{request.scheme}://{request.get_host()}")
    site = origin(settings.MADOGUCHI_SITE_URL)
    if here == site:
        return ""
    devidp = origin(getattr(settings, "MADOGUCHI_DEVIDP_URL", "") or settings.MADOGUCHI_SITE_URL)
    if request.path.startswith("/devidp/") and here == devidp:
        return ""  # the simulator on its own origin, as configured
    paysim = getattr(settings, "MADOGUCHI_PAYSIM_URL", "")
    if paysim and request.path.startswith("/paysim/") and here == origin(paysim):
        return ""  # the payment simulator's hosted pages, on their own origin like a provider's
    return str(settings.MADOGUCHI_SITE_URL)


class SiteUrlCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not settings.DEBUG:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.warned: set[str] = set()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        site = mismatch(request)
        if site:
            request.site_url_mismatch = site  # type: ignore[attr-defined]
            host = request.get_host()
            if host not in self.warned:
                self.warned.add(host)
                logger.warning(
                    "this server is reached at %s but MADOGUCHI_SITE_URL is %s: card logins, "
                    "receipt links and email links point there. Use `make run PORT=<port>` "
                    "or set MADOGUCHI_SITE_URL (docs/operations.md).",
                    host,
                    site,
                )
        return self.get_response(request)
