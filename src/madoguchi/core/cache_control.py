"""Responses are not stored by browsers or proxies unless a view says otherwise.

Resident form steps, the review, confirmations, receipts, My page, correction pages,
staff pages, exports and API answers all carry personal data. Rather than trusting each
view to remember ``never_cache``, every dynamic response gets ``Cache-Control: no-store``
(with ``private`` and an ``Expires`` in the past, as ``never_cache`` sends) unless the view
set a ``Cache-Control`` of its own. Static files are served before this middleware runs
(WhiteNoise) and keep their long-lived caching.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreByDefault:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
